/**
 * NSG rules: no inbound Allow from the internet to sensitive ports (checkov CKV_AZURE_10/9/160/77 and our 6443/5432),
 * for inline `security_rule` blocks of azurerm_network_security_group and for azurerm_network_security_rule.
 *
 * Stricter than checkov on purpose: internet sources include any `/0` CIDR (`0.0.0.0/0`, `::/0`), and protocol `*`
 * counts as UDP for the UDP rule.
 */
import type { StackContext } from '../resolve';
import { blocks } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { fail, triAnd, triOr, triSome, unknown, type Tri } from './helpers';

const INTERNET_TAGS = new Set(['*', 'internet', 'any', '0.0.0.0', '::']);

/** Internet sources: the `*`/`Internet`/`Any` tags and any prefix of length 0 (IPv4 or IPv6). */
export function isInternetSource(prefix: string): boolean {
  const p = prefix.trim().toLowerCase();
  return INTERNET_TAGS.has(p) || /\/0+$/.test(p);
}

/** Does a port spec (`22`, `20-30`, `*`) contain the port? */
export function portSpecContains(spec: string, port: number): boolean {
  const s = spec.trim();
  if (s === '*') return true;
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(s);
  if (range) return Number(range[1]) <= port && port <= Number(range[2]);
  return /^\d+$/.test(s) && Number(s) === port;
}

/** A security rule in either shape, with the list-valued fields merged. */
interface SecurityRule {
  readonly label: string;
  readonly fields: Record<string, unknown>;
}

function securityRules(r: SynthResource): SecurityRule[] {
  if (r.type === 'azurerm_network_security_rule') {
    return [{ label: typeof r.config['name'] === 'string' ? `rule '${r.config['name']}'` : 'rule', fields: r.config }];
  }
  return blocks(r.config['security_rule']).map((b, i) => ({
    label: `security_rule[${i}]${typeof b['name'] === 'string' ? ` '${b['name']}'` : ''}`,
    fields: b,
  }));
}

interface Evaluation {
  readonly unknownFields: string[];
}

function str(ctx: StackContext, ev: Evaluation, field: string, value: unknown): string | 'unknown' | undefined {
  const v = ctx.resolve(value);
  if (!v.known) {
    ev.unknownFields.push(`${field} = ${v.expression}`);
    return 'unknown';
  }
  return typeof v.value === 'string' || typeof v.value === 'number' ? String(v.value) : undefined;
}

/** Values of a singular + plural field pair (`source_address_prefix` / `source_address_prefixes`). */
function listField(ctx: StackContext, ev: Evaluation, fields: Record<string, unknown>, singular: string): (string | 'unknown')[] {
  const out: (string | 'unknown')[] = [];
  const one = str(ctx, ev, singular, fields[singular]);
  if (one !== undefined) out.push(one);
  const plural = ctx.resolve(fields[`${singular}es`] ?? fields[`${singular}s`]);
  const pluralName = `${singular}${fields[`${singular}es`] !== undefined ? 'es' : 's'}`;
  if (!plural.known) {
    ev.unknownFields.push(`${pluralName} = ${plural.expression}`);
    out.push('unknown');
  } else if (Array.isArray(plural.value)) {
    for (const item of plural.value) {
      const s = str(ctx, ev, pluralName, item);
      if (s !== undefined) out.push(s);
    }
  }
  return out;
}

function eq(value: string | 'unknown' | undefined, expected: string): Tri {
  if (value === 'unknown') return 'unknown';
  return value !== undefined && value.toLowerCase() === expected.toLowerCase();
}

interface PortCheck {
  /** Ports that must not be reachable; `'any'` = every port of the protocol. */
  readonly ports: readonly number[] | 'any';
  /** Protocols (besides `*`) the check is about. */
  readonly protocols: readonly string[];
}

/** Evaluates one security rule: true = opens a listed port to the internet; 'unknown' = cannot tell at synth. */
function opensToInternet(ctx: StackContext, rule: SecurityRule, check: PortCheck): { verdict: Tri; ev: Evaluation } {
  const ev: Evaluation = { unknownFields: [] };
  const f = rule.fields;
  const inbound = eq(str(ctx, ev, 'direction', f['direction']), 'Inbound');
  const allow = eq(str(ctx, ev, 'access', f['access']), 'Allow');
  const protocol = str(ctx, ev, 'protocol', f['protocol']);
  const protocolMatches = triOr(eq(protocol, '*'), ...check.protocols.map((p) => eq(protocol, p)));
  const fromInternet = triSome(listField(ctx, ev, f, 'source_address_prefix'), (s) => (s === 'unknown' ? 'unknown' : isInternetSource(s)));
  const portSpecs = listField(ctx, ev, f, 'destination_port_range');
  const portMatches =
    check.ports === 'any'
      ? true
      : triSome(portSpecs, (spec) => (spec === 'unknown' ? 'unknown' : (check.ports as readonly number[]).some((p) => portSpecContains(spec, p))));
  return { verdict: triAnd(inbound, allow, protocolMatches, fromInternet, portMatches), ev };
}

function nsgCheck(what: string, check: PortCheck) {
  return (r: SynthResource, ctx: StackContext): Problem[] => {
    const problems: Problem[] = [];
    for (const rule of securityRules(r)) {
      const { verdict, ev } = opensToInternet(ctx, rule, check);
      if (verdict === true) {
        problems.push(fail(`${rule.label} allows ${what} inbound from the internet.`));
      } else if (verdict === 'unknown') {
        problems.push(unknown(`${rule.label} may allow ${what} inbound from the internet: ${ev.unknownFields.join(', ')} unknown at synth.`));
      }
    }
    return problems;
  };
}

const NSG_TYPES = ['azurerm_network_security_group', 'azurerm_network_security_rule'];

function portRule(id: string, checkov: string | undefined, port: number, service: string, why: string): Rule {
  return {
    id,
    ...(checkov ? { checkov: [checkov] } : {}),
    severity: 'error',
    title: `No inbound allow from the internet to ${service} (TCP ${port})`,
    explanation: `${why} Matches source '*', 'Internet', 'Any' and any /0 prefix, and port ranges or '*' that contain ${port}.`,
    remediation: `Restrict source_address_prefix(es) to declared ranges (on-premises, hub agents) or remove the rule; reach ${service} over the VPN.`,
    appliesTo: NSG_TYPES,
    check: nsgCheck(`TCP ${port} (${service})`, { ports: [port], protocols: ['Tcp'] }),
  };
}

export const nsgSsh = portRule('AZ-NSG-001', 'CKV_AZURE_10', 22, 'SSH', 'SSH exposed to the internet is brute-forced within minutes.');
export const nsgRdp = portRule('AZ-NSG-002', 'CKV_AZURE_9', 3389, 'RDP', 'RDP exposed to the internet is a top ransomware entry point.');
export const nsgHttp = portRule('AZ-NSG-003', 'CKV_AZURE_160', 80, 'HTTP', 'Ingress here is internal (internal load balancer); plain HTTP from the internet is never intended.');
export const nsgKubeApi = portRule('AZ-NSG-004', undefined, 6443, 'the Kubernetes API server', 'The API server is reached from the hub agents and on-premises over the VPN only.');
export const nsgPostgres = portRule('AZ-NSG-005', undefined, 5432, 'PostgreSQL', 'The database is private (private endpoint); port 5432 from the internet is never intended.');

export const nsgUdp: Rule = {
  id: 'AZ-NSG-006',
  checkov: ['CKV_AZURE_77'],
  severity: 'error',
  title: 'No inbound allow from the internet for UDP (any port)',
  explanation: "UDP services exposed to the internet are abused for amplification and scanning. Protocol '*' includes UDP.",
  remediation: "Use protocol 'Tcp' for internet-facing rules, or restrict the source to declared ranges.",
  appliesTo: NSG_TYPES,
  check: nsgCheck('UDP', { ports: 'any', protocols: ['Udp'] }),
};

export const nsgRules: Rule[] = [nsgSsh, nsgRdp, nsgHttp, nsgKubeApi, nsgPostgres, nsgUdp];
