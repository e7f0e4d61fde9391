import type { OnPremisesMutation } from './lab';
import type { LabSynthOptions } from './synth';
import type { CheckResult } from './checks';

/**
 * The field failures (plus a VPN proposal mismatch), each reproduced from mutated configuration, never from
 * hand-edited outputs: either the environment file (synthesized again, with the validator's refusal bypassed
 * explicitly) or the on-premises configuration the handoff is applied with. Each names the check that must fail
 * and the hint it must give.
 */
export interface Variant {
  readonly description: string;
  /** Mutation of the environment file (the lab synthesizes it into a private directory). */
  readonly synth?: Pick<LabSynthOptions, 'mutate' | 'expectRefusedAt'>;
  readonly onPremises?: OnPremisesMutation;
  /** Checks (by id prefix) that must fail, what they must observe and the hint they must give. */
  readonly expect: { readonly failing: RegExp; readonly observed: RegExp; readonly hint: RegExp; readonly passing?: RegExp };
}

export const VARIANTS: Readonly<Record<string, Variant>> = {
  'zone-linked-to-spoke-only': {
    description: 'field failure 1: the privatelink zones linked to the spokes only, not to the resolver VNet (validator and construct checks bypassed for this test only)',
    synth: {
      mutate: (input) => { input.dns.zoneLinks = Object.keys(input.network.spokes); },
      expectRefusedAt: ['dns.zoneLinks'],
    },
    expect: { failing: /^(resolver|dns):.*(vault\.azure\.net|blob\.core\.windows\.net|postgres\.database\.azure\.com|azurecr\.io)$/, observed: /^answer 192\.0\.2\./, hint: /not linked to the resolver VNet/, passing: /^(tunnel|tcp)/ },
  },
  'no-conditional-forwarders': {
    description: 'field failure 2: the on-premises DNS server never got the conditional forwarders',
    onPremises: { withoutForwarders: true },
    expect: { failing: /^dns:/, observed: /^timeout$/, hint: /lacks the conditional forwarders/, passing: /^(tunnel|resolver:|tcp)/ },
  },
  'firewall-without-9443': {
    description: 'field failure 3: the on-premises firewall applied without the replication data rule (TCP 9443)',
    onPremises: { firewall: (rules) => rules.filter((r) => !/replication data/.test(r.purpose)) },
    expect: { failing: /^tcp9443:/, observed: /timeout|refused/, hint: /Field failure 3/, passing: /^(tunnel|resolver:|dns:|tcp443:)/ },
  },
  'device-proposal-mismatch': {
    description: 'the VPN device configured with another IKE encryption than the connection policy',
    onPremises: { devicePolicy: (p) => ({ ...p, ikeEncryption: p.ikeEncryption === 'AES128' ? 'AES256' : 'AES128' }) },
    expect: { failing: /^tunnel$/, observed: /proposal mismatch/, hint: /proposal mismatch/ },
  },
};

/** Whether a variant's run failed exactly as expected; the problems otherwise. */
export function variantProblems(v: Variant, results: ReadonlyArray<CheckResult>): string[] {
  const problems: string[] = [];
  const failing = results.filter((r) => v.expect.failing.test(r.id));
  if (failing.length === 0) problems.push(`no check matches ${v.expect.failing}`);
  for (const r of failing) {
    if (r.pass) problems.push(`${r.id} passed; expected it to fail`);
    else if (!v.expect.observed.test(r.observed)) problems.push(`${r.id} observed "${r.observed}", expected ${v.expect.observed}`);
    else if (!v.expect.hint.test(r.hint ?? '')) problems.push(`${r.id} hint "${r.hint ?? ''}", expected ${v.expect.hint}`);
  }
  for (const r of results.filter((x) => v.expect.passing?.test(x.id) && !v.expect.failing.test(x.id))) {
    if (!r.pass) problems.push(`${r.id} failed (${r.observed}); only the broken path should fail`);
  }
  return problems;
}
