/**
 * HN-008: the NSG on the resolver inbound endpoint's subnet lets the on-premises DNS servers query it over UDP and
 * TCP 53 (field failure 2: `nslookup` from on-premises timed out). Evaluated like Azure does: inbound rules by
 * ascending priority, first match decides, then the default AllowVnetInBound (on-premises prefixes reached through
 * the VPN gateway are part of the VirtualNetwork tag).
 */
import type { StackContext } from '../resolve';
import { blocks } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { fail, triAnd, triOr, triSome, unknown, type Tri } from './helpers';
import { portSpecContains } from './nsg';

function ipv4(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  return octets.some((o) => o > 255) ? undefined : octets.reduce((n, o) => n * 256 + o, 0);
}

/** Does an NSG address prefix (CIDR, IP, `*`, service tag) contain this IPv4 address? */
export function prefixContains(prefix: string, ip: string): boolean {
  const p = prefix.trim().toLowerCase();
  if (p === '*' || p === 'any' || p === 'virtualnetwork') return true;
  const [net, len] = p.split('/');
  const addr = ipv4(ip);
  const base = ipv4(net ?? '');
  if (addr === undefined || base === undefined) return false; // other service tags (Internet, AzureLoadBalancer, ...) exclude private on-premises hosts
  const bits = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(addr / size) === Math.floor(base / size);
}

export interface RuleView {
  readonly label: string;
  readonly fields: Record<string, unknown>;
  /** The stack the rule lives in: its references resolve there. */
  readonly ctx: StackContext;
}

/** Inline rules of an NSG plus the azurerm_network_security_rule resources that name it (anywhere in the environment). */
export function rulesOf(ctx: StackContext, nsg: SynthResource): RuleView[] {
  const nctx = nsg.stack === ctx.stack ? ctx : ctx.app.stack(nsg.stack);
  const nsgName = nctx.attr(nsg.config, 'name');
  const inline = blocks(nsg.config['security_rule']).map((b) => ({ label: `${nsg.address} rule '${String(b['name'])}'`, fields: b, ctx: nctx }));
  const separate = ctx.environmentResources('azurerm_network_security_rule').filter((r) => {
    const rctx = r.stack === ctx.stack ? ctx : ctx.app.stack(r.stack);
    const ref = rctx.refTarget(r.config['network_security_group_name']);
    if (ref) return ref.resource.stack === nsg.stack && ref.resource.address === nsg.address;
    const literal = rctx.resolve(r.config['network_security_group_name']);
    return nsgName.known && literal.known && literal.value === nsgName.value;
  });
  return [
    ...inline,
    ...separate.map((r) => ({ label: `${r.address} ('${String(r.config['name'])}')`, fields: r.config, ctx: r.stack === ctx.stack ? ctx : ctx.app.stack(r.stack) })),
  ];
}

type Decision = { readonly decision: 'Allow' | 'Deny' | 'unknown'; readonly by: string };

function text(ctx: StackContext, v: unknown): string | 'unknown' | undefined {
  const r = ctx.resolve(v);
  if (!r.known) return 'unknown';
  return typeof r.value === 'string' || typeof r.value === 'number' ? String(r.value) : undefined;
}

/** Values of a singular + plural field pair (`source_address_prefix` / `source_address_prefixes`). */
function values(ctx: StackContext, f: Record<string, unknown>, singular: string): (string | 'unknown')[] {
  const out: (string | 'unknown')[] = [];
  const one = text(ctx, f[singular]);
  if (one !== undefined) out.push(one);
  const many = ctx.resolve(f[`${singular}es`] ?? f[`${singular}s`]);
  if (!many.known) out.push('unknown');
  else if (Array.isArray(many.value)) for (const v of many.value) out.push(text(ctx, v) ?? 'unknown');
  return out;
}

const eq = (v: string | 'unknown' | undefined, expected: string): Tri => (v === 'unknown' ? 'unknown' : v?.toLowerCase() === expected.toLowerCase());

/** Azure NSG evaluation of one inbound flow (any source port) against a rule list. */
export function evaluateInbound(rules: RuleView[], source: string, destination: string, protocol: 'Tcp' | 'Udp', port: number): Decision {
  const sorted = rules
    .map((r) => ({ r, priority: r.ctx.resolve(r.fields['priority']) }))
    .sort((a, b) => (a.priority.known ? Number(a.priority.value) : 0) - (b.priority.known ? Number(b.priority.value) : 0));
  for (const { r, priority } of sorted) {
    const { ctx, fields: f } = r;
    const proto = text(ctx, f['protocol']);
    const matches = triAnd(
      eq(text(ctx, f['direction']), 'Inbound'),
      triOr(eq(proto, '*'), eq(proto, protocol)),
      triSome(values(ctx, f, 'source_address_prefix'), (p) => (p === 'unknown' ? 'unknown' : prefixContains(p, source))),
      triSome(values(ctx, f, 'destination_address_prefix'), (p) => (p === 'unknown' ? 'unknown' : prefixContains(p, destination))),
      triSome(values(ctx, f, 'destination_port_range'), (p) => (p === 'unknown' ? 'unknown' : portSpecContains(p, port))),
    );
    if (matches === false) continue;
    // An unknown priority or an unknown match means the order or the outcome cannot be shown at synth.
    if (matches === 'unknown' || !priority.known) return { decision: 'unknown', by: r.label };
    const access = text(ctx, f['access']);
    if (access === 'unknown' || access === undefined) return { decision: 'unknown', by: r.label };
    return { decision: access.toLowerCase() === 'allow' ? 'Allow' : 'Deny', by: `${r.label}, priority ${String(priority.value)}` };
  }
  return { decision: 'Allow', by: 'default rule AllowVnetInBound' };
}

/** The on-premises DNS servers: literal targets of the resolver forwarding rules in the environment. */
function onPremDnsServers(ctx: StackContext): { ips: string[]; unknowns: string[] } {
  const ips = new Set<string>();
  const unknowns: string[] = [];
  for (const rule of ctx.environmentResources('azurerm_private_dns_resolver_forwarding_rule')) {
    const rctx = rule.stack === ctx.stack ? ctx : ctx.app.stack(rule.stack);
    for (const target of blocks(rule.config['target_dns_servers'])) {
      const ip = rctx.resolve(target['ip_address']);
      if (ip.known && typeof ip.value === 'string') ips.add(ip.value);
      else unknowns.push(`${rule.address}.target_dns_servers.ip_address`);
    }
  }
  return { ips: [...ips], unknowns };
}

export const dnsPathOpen: Rule = {
  id: 'HN-008',
  severity: 'error',
  title: 'The NSG of the resolver inbound subnet allows UDP and TCP 53 from the on-premises DNS servers',
  explanation:
    'On-premises DNS servers forward privatelink queries to the inbound endpoint over the VPN; an NSG that denies them makes every lookup time out (field failure 2). DNS needs UDP and, for large answers, TCP.',
  remediation:
    'Add inbound Allow rules for UDP and TCP 53 from the on-premises DNS servers to the inbound endpoint IP, with a priority below any deny.',
  appliesTo: ['azurerm_private_dns_resolver_inbound_endpoint'],
  check: (r, ctx) => {
    const { ips: servers, unknowns } = onPremDnsServers(ctx);
    const problems: Problem[] = unknowns.map((u) => unknown(`${u} is unknown at synth; the DNS path from that server cannot be checked.`));
    if (servers.length === 0) return problems; // No on-premises DNS servers declared: nothing forwards to this endpoint yet.
    const associations = ctx.environmentResources('azurerm_subnet_network_security_group_association');
    blocks(r.config['ip_configurations']).forEach((ipc, i) => {
      const subnet = ctx.refTarget(ipc['subnet_id']);
      const ip = ctx.resolve(ipc['private_ip_address']);
      if (!subnet || !ip.known || typeof ip.value !== 'string') {
        problems.push(unknown(`ip_configurations[${i}] subnet or private_ip_address cannot be followed at synth; the DNS path cannot be checked.`));
        return;
      }
      const subnetKey = `${subnet.resource.stack}/${subnet.resource.address}`;
      for (const assoc of associations) {
        const actx = assoc.stack === ctx.stack ? ctx : ctx.app.stack(assoc.stack);
        const s = actx.refTarget(assoc.config['subnet_id']);
        if (!s || `${s.resource.stack}/${s.resource.address}` !== subnetKey) continue;
        const nsg = actx.refTarget(assoc.config['network_security_group_id']);
        if (!nsg) {
          problems.push(unknown(`the NSG of ${assoc.address} cannot be followed at synth.`));
          continue;
        }
        const rules = rulesOf(ctx, nsg.resource);
        for (const server of servers) {
          for (const protocol of ['Udp', 'Tcp'] as const) {
            const d = evaluateInbound(rules, server, ip.value as string, protocol, 53);
            if (d.decision === 'Deny') {
              problems.push(fail(`${nsg.resource.address} denies ${protocol.toUpperCase()} 53 from on-premises DNS server ${server} to ${String(ip.value)} (${d.by}).`));
            } else if (d.decision === 'unknown') {
              problems.push(unknown(`cannot show ${nsg.resource.address} allows ${protocol.toUpperCase()} 53 from ${server}: ${d.by} has values unknown at synth.`));
            }
          }
        }
      }
    });
    return problems;
  },
};
