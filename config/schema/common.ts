import { z } from 'zod';
import { cidrProblem, isIpv4 } from '../ipv4';

/** An IPv4 CIDR written canonically (no host bits), e.g. `10.10.0.0/22`. */
export const cidr = z.string().superRefine((value, ctx) => {
  const problem = cidrProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${value}" is not a valid IPv4 CIDR: ${problem}` });
});

export const ipv4 = z
  .string()
  .refine(isIpv4, { error: (issue) => `"${String(issue.input)}" is not an IPv4 address (expected a.b.c.d)` });

/** A DNS name such as `corp.contoso.com` (no trailing dot: the stacks add it where Azure wants one). */
export const dnsName = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, {
    error: (issue) => `"${String(issue.input)}" is not a lower-case DNS name such as corp.contoso.com`,
  });

/** Azure tag keys and values: 512 / 256 characters, no `<>%&\?/` in keys. */
export const tags = z.record(
  z.string().regex(/^[^<>%&\\?/]{1,512}$/, { error: 'tag keys are 1-512 characters without <>%&\\?/' }),
  z.string().max(256, { error: 'tag values are at most 256 characters' }),
);
