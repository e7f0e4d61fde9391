import { z } from 'zod';

/**
 * Configuration of the `dns` concern. Placeholder owned by the dns work: keep it a strict object so that
 * unknown keys are reported, and give every field a doc comment and, where sensible, a default.
 */
export const dnsSchema = z.strictObject({}).prefault({});

export type DnsConfig = z.infer<typeof dnsSchema>;
