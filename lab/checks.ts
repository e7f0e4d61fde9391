import * as fs from 'fs';
import * as path from 'path';
import { cidrContainsIp, parseCidr } from '../config/ipv4';
import type { HandoffModel } from '../handoff/model';
import type { Probe, ProbeResult } from './probe';

/**
 * The post-cut-over runbook (handoff/documents.ts) as executable checks, shared by the lab and `npm run verify`:
 * each check is a probe run from a role's machine, an expectation, and the runbook hint a failure maps to.
 */

/** client: on-premises client / source server; dns: on-premises DNS server; appliance: the process server;
 * spoke: an Azure VM using Azure-provided DNS; agent: a pipeline agent in Azure; device: the VPN device. */
export type Role = 'client' | 'dns' | 'appliance' | 'spoke' | 'agent' | 'device';

export interface Check {
  readonly id: string;
  readonly title: string;
  /** Where it runs: on-premises client / source server, on-premises DNS server, process server, Azure VM in a spoke. */
  readonly from: Role;
  readonly probe: Probe;
  readonly expected: string;
  /** Classifies a probe result: undefined when it passes, else the observed problem and its hint. */
  readonly judge: (r: ProbeResult) => { observed: string; hint?: string; skipped?: boolean } | undefined;
}

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly from: Role;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
  /** Not checked (a tool or credential is missing here); never counted as passed. */
  readonly skipped?: boolean;
  readonly ms: number;
  readonly hint?: string;
}

/** The hints, worded as in the runbook (post-cutover-runbook.md) and keyed by the field failure they point to. */
export const HINTS = {
  forwarders: 'on-premises DNS lacks the conditional forwarders: apply named.conf.azure-forwarders / windows-dns-forwarders.ps1 (conditional-forwarders.md). Field failure 2.',
  tunnelOrDns53: (ip: string) => `the tunnel is down, or UDP/TCP 53 to ${ip} is blocked (firewall-rules.md). Field failure 2.`,
  zoneLink: (vnet: string) => `public answer: the privatelink zone is not linked to the resolver VNet "${vnet}". Field failure 1.`,
  firewall9443: (ps: string, port: string) => `connection refused/timeout on ${port}: a firewall between the machines and the process server ${ps} blocks it; open the rules in firewall-rules.md (firewall.nft). Field failure 3.`,
  endpoint443: 'the private endpoint does not answer on 443: tunnel down, or the firewall rule to the private endpoint subnet (firewall-rules.md) or the NSG is missing.',
  outbound: (domain: string) => `Azure cannot resolve ${domain}: the resolver outbound endpoint's UDP/TCP 53 to the on-premises DNS servers is blocked (firewall-rules.md), the tunnel is down, or the forwarding ruleset is not linked to this VNet.`,
} as const;

const NO_ANSWER = ['ETIMEOUT', 'ESERVFAIL', 'ENOTFOUND', 'ECONNREFUSED', 'EREFUSED', 'ENODATA'];

function dnsJudge(expectedIp: string, noAnswerHint: string, zoneLinkHint: string) {
  return (r: ProbeResult) => {
    if (r.ok && r.addresses?.includes(expectedIp)) return undefined;
    if (r.ok) return { observed: `answer ${r.addresses?.join(', ')} (not ${expectedIp})`, hint: zoneLinkHint };
    return { observed: r.error === 'ETIMEOUT' ? 'timeout' : `no answer (${r.error})`, hint: NO_ANSWER.includes(r.error ?? '') ? noAnswerHint : undefined };
  };
}

const tcpJudge = (hint: string) => (r: ProbeResult) => (r.ok ? undefined : { observed: r.error === 'ETIMEDOUT' ? 'timeout (dropped)' : r.error === 'ECONNREFUSED' ? 'connection refused' : `failed (${r.error})`, hint });

export interface CheckOptions {
  /** The on-premises DNS server clients use (default: the first of the handoff's forwarder sources). */
  readonly onPremisesDns?: string;
  /** Source-server address the 9443 check leaves from (lab: the client's address; verify: unset). */
  readonly sourceAddress?: string;
  /** A name under each on-premises domain that on-premises DNS answers, for the outbound path check. */
  readonly onPremisesNames?: Record<string, string | undefined>;
  /** Where Azure VMs send DNS queries (Azure-provided DNS, or the inbound endpoint for resolver clients). */
  readonly azureDns?: string;
  readonly timeoutMs?: number;
}

/** The runbook's checks for an environment's handoff (dns-plan.json). */
export function runbookChecks(m: HandoffModel, o: CheckOptions = {}): Check[] {
  const timeoutMs = o.timeoutMs ?? 3000;
  const inbound = m.plan.inboundIp;
  const dnsSources = m.firewall.filter((r) => r.destination === inbound && /conditional forwarders/.test(r.purpose)).map((r) => r.source);
  const onPremDns = o.onPremisesDns ?? dnsSources[0];
  const checks: Check[] = [];
  const named = m.names.filter((n) => n.ip);
  for (const n of named) {
    checks.push({
      id: `resolver:${n.fqdn}`, title: `nslookup ${n.fqdn} ${inbound}`, from: 'dns', expected: n.ip!,
      probe: { type: 'dns', name: n.fqdn, server: inbound, timeoutMs },
      judge: dnsJudge(n.ip!, HINTS.tunnelOrDns53(inbound), HINTS.zoneLink(m.plan.resolverVnet)),
    });
  }
  for (const n of named) {
    checks.push({
      id: `dns:${n.fqdn}`, title: `nslookup ${n.fqdn}${onPremDns ? ` (DNS ${onPremDns})` : ''}`, from: 'client', expected: n.ip!,
      probe: { type: 'dns', name: n.fqdn, ...(onPremDns ? { server: onPremDns } : {}), timeoutMs },
      judge: dnsJudge(n.ip!, HINTS.forwarders, HINTS.zoneLink(m.plan.resolverVnet)),
    });
  }
  const asr = m.firewall.filter((r) => /Site Recovery: Mobility service/.test(r.purpose));
  const processServer = asr[0]?.destination;
  // Private endpoints only: the on-premises firewall rules open 443 to the endpoint subnet, not to other names.
  // From the clients when the rules open that path for them, and from the process server (Site Recovery's path).
  const endpoints443 = named.filter((x) => x.ports.includes(443) && /private endpoint/.test(x.purpose));
  // Which firewall rules open TCP 443 to the endpoints' subnet, and for whom (the process server, or others).
  const toEndpoints = m.firewall.filter((r) => r.protocol === 'TCP' && r.ports === '443' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(r.destination) && endpoints443.some((n) => cidrContainsIp(parseCidr(r.destination), n.ip!)));
  const appliancePath = toEndpoints.some((r) => r.source === processServer);
  const clientPath = toEndpoints.some((r) => r.source !== processServer);
  for (const [from, prefix, enabled] of [['client', 'tcp443', clientPath], ['appliance', 'appliance443', appliancePath]] as const) {
    if (!enabled) continue;
    for (const n of endpoints443) {
      checks.push({
        id: `${prefix}:${n.fqdn}`, title: `TCP 443 to ${n.fqdn} (${n.ip})`, from, expected: 'connected',
        probe: { type: 'tcp', host: n.ip!, port: 443, timeoutMs },
        judge: tcpJudge(HINTS.endpoint443),
      });
    }
  }
  for (const r of asr) {
    checks.push({
      id: `tcp${r.ports}:${r.destination}`, title: `TCP ${r.ports} from a source server to the process server ${r.destination}`, from: 'client', expected: 'connected',
      probe: { type: 'tcp', host: r.destination, port: Number(r.ports), ...(o.sourceAddress ? { localAddress: o.sourceAddress } : {}), timeoutMs },
      judge: tcpJudge(HINTS.firewall9443(processServer ?? r.destination, r.ports)),
    });
  }
  for (const rule of m.plan.rules) {
    const domain = rule.domain.replace(/\.$/, '');
    const name = o.onPremisesNames?.[domain];
    if (!name) continue;
    checks.push({
      id: `outbound:${domain}`, title: `nslookup ${name} from a spoke VM${o.azureDns ? ` (Azure DNS ${o.azureDns})` : ''}`, from: 'spoke', expected: 'the on-premises answer',
      probe: { type: 'dns', name, ...(o.azureDns ? { server: o.azureDns } : {}), timeoutMs },
      judge: (r) => (r.ok && (r.addresses?.length ?? 0) > 0 ? undefined : { observed: r.ok ? 'empty answer' : r.error === 'ETIMEOUT' ? 'timeout' : `no answer (${r.error})`, hint: HINTS.outbound(domain) }),
    });
  }
  return checks;
}

/** A plain-JS helper of lab/ (probe.js, standins.js), wherever this module was loaded from (source under jest, dist/ after the build). */
export function labScript(name: string): string {
  for (const candidate of [path.join(__dirname, name), path.join(__dirname, '..', '..', 'lab', name)]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`lab/${name} not found`);
}

export const probeScript = () => labScript('probe.js');

export function judgeAll(checks: ReadonlyArray<Check>, results: ReadonlyArray<ProbeResult>): CheckResult[] {
  return checks.map((c, i) => {
    const r = results[i]!;
    const verdict = c.judge(r);
    const observed = verdict?.observed ?? (c.probe.type === 'dns' ? `answer ${r.addresses?.join(', ')}` : c.probe.type === 'tcp' ? 'connected' : 'as expected');
    return { id: c.id, title: c.title, from: c.from, expected: c.expected, observed, pass: !verdict, ...(verdict?.skipped ? { skipped: true } : {}), ms: r.ms, ...(verdict?.hint ? { hint: verdict.hint } : {}) };
  });
}

/** The results as a readable table (check, from, expected, observed, result, time) followed by the hints. */
export function resultTable(results: ReadonlyArray<CheckResult>): string {
  const rows = [['#', 'check', 'from', 'expected', 'observed', 'result', 'ms'], ...results.map((r, i) => [String(i + 1), r.title, r.from, r.expected, r.observed, r.pass ? 'PASS' : r.skipped ? 'SKIP' : 'FAIL', String(r.ms)])];
  const widths = rows[0]!.map((_, c) => Math.min(76, Math.max(...rows.map((r) => r[c]!.length))));
  const line = (r: string[]) => r.map((cell, c) => (cell.length > widths[c]! ? cell.slice(0, widths[c]! - 1) + '…' : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  const out = [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)];
  // One line per distinct hint, listing the checks it explains.
  const byHint = new Map<string, number[]>();
  results.forEach((r, i) => { if (!r.pass && r.hint) byHint.set(r.hint, [...(byHint.get(r.hint) ?? []), i + 1]); });
  if (byHint.size > 0) out.push('', 'Hints:', ...[...byHint.entries()].map(([hint, ids]) => `  ${ids.join(', ')}: ${hint}`));
  return out.join('\n');
}
