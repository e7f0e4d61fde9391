import * as fs from 'fs';
import * as path from 'path';
import type { HandoffModel } from '../handoff/model';
import { Check, CheckOptions, HINTS, Role, runbookChecks } from './checks';

/**
 * `npm run verify`: the lab's checks against a real environment. Addresses come from the synthesized plan
 * (cdktf.out: handoff/<env>/dns-plan.json and the stacks' literal outputs), overridden by the applied stacks'
 * outputs (`--outputs`: `cdktf output --outputs-file` or `terraform output -json`) and a small addresses file for
 * what only the site knows (`--addresses`). On-premises roles run the runbook; the `agent` role runs the
 * Azure-side checks a pipeline agent can make after deploy.
 */

/** What only the site knows (the `--addresses` file). */
export interface SiteAddresses {
  /** The DNS server on-premises clients use (default: the first forwarder source of the handoff). */
  readonly onPremisesDns?: string;
  /** A source-server address of this machine for the 9443 check. */
  readonly sourceAddress?: string;
  /** Per on-premises domain, a name that on-premises DNS answers (checked from Azure through the outbound endpoint). */
  readonly onPremisesNames?: Record<string, string>;
  /** Where this Azure VM's DNS queries go (default: the system resolver). */
  readonly azureDns?: string;
  /** Names only known after deployment (Site Recovery's), with the address they must resolve to. */
  readonly names?: Record<string, string>;
  readonly kubeconfig?: string;
}

export type Outputs = Record<string, unknown>;

/**
 * Stack outputs as one flat map. Accepts `cdktf output --outputs-file` ({stack: {name: value}}), `terraform output
 * -json` ({name: {value}}) and a flat {name: value} map; unresolved synth-time expressions (`${...}`) are dropped.
 */
export function flattenOutputs(doc: unknown): Outputs {
  const out: Outputs = {};
  const put = (k: string, v: unknown) => {
    const value = v && typeof v === 'object' && 'value' in (v as object) ? (v as { value: unknown }).value : v;
    if (typeof value === 'string' && value.includes('${')) return;
    out[k] = value;
  };
  for (const [k, v] of Object.entries((doc ?? {}) as Record<string, unknown>)) {
    const isStack = v && typeof v === 'object' && !('value' in (v as object)) && !Array.isArray(v) && /-(network|vpn|keyvault|services|cluster|platform)$/.test(k);
    if (isStack) for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) put(k2, v2);
    else put(k, v);
  }
  return out;
}

/** The literal outputs of the synthesized stacks of one environment (API endpoint, host names, addresses). */
export function synthesizedOutputs(outdir: string, env: string): Outputs {
  const dir = path.join(outdir, 'stacks');
  if (!fs.existsSync(dir)) return {};
  const merged: Outputs = {};
  for (const stack of fs.readdirSync(dir).filter((s) => s.startsWith(`${env}-`))) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, stack, 'cdk.tf.json'), 'utf8')) as { output?: Record<string, unknown> };
    Object.assign(merged, flattenOutputs(Object.fromEntries(Object.entries(doc.output ?? {}).filter(([k]) => !k.startsWith('cross-stack')))));
  }
  return merged;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Checks a pipeline agent in Azure runs after deploy. */
export function agentChecks(m: HandoffModel, outputs: Outputs, site: SiteAddresses, timeoutMs = 5000): Check[] {
  const checks: Check[] = [];
  const inbound = str(outputs.dns_resolver_inbound_ip) ?? m.plan.inboundIp;
  const named = [...m.names.filter((n) => n.ip).map((n) => ({ fqdn: n.fqdn, ip: n.ip! })), ...Object.entries(site.names ?? {}).map(([fqdn, ip]) => ({ fqdn, ip }))];
  for (const n of named) {
    checks.push({
      id: `agent-resolver:${n.fqdn}`, title: `resolver ${inbound} answers ${n.fqdn}`, from: 'agent', expected: n.ip,
      probe: { type: 'dns', name: n.fqdn, server: inbound, timeoutMs },
      judge: (r) => (r.ok && r.addresses?.includes(n.ip) ? undefined : { observed: r.ok ? `answer ${r.addresses?.join(', ')}` : `no answer (${r.error})`, hint: r.ok ? HINTS.zoneLink(m.plan.resolverVnet) : `the resolver inbound endpoint ${inbound} does not answer from this VNet: NSG on the inbound subnet or peering.` }),
    });
    checks.push({
      id: `agent-dns:${n.fqdn}`, title: `${n.fqdn} resolves privately from this agent${site.azureDns ? ` (DNS ${site.azureDns})` : ''}`, from: 'agent', expected: n.ip,
      probe: { type: 'dns', name: n.fqdn, ...(site.azureDns ? { server: site.azureDns } : {}), timeoutMs },
      judge: (r) => (r.ok && r.addresses?.includes(n.ip) ? undefined : { observed: r.ok ? `answer ${r.addresses?.join(', ')}` : `no answer (${r.error})`, hint: "this agent's VNet is neither linked to the zone nor using the resolver as its DNS server (dns.zoneLinks / dns.resolverClients)." }),
    });
  }
  const apiIp = str(outputs.api_server_ip);
  const ca = str(outputs.ca_cert_pem);
  if (apiIp) {
    checks.push({
      id: 'readyz', title: `API server /readyz through the internal load balancer ${apiIp}:6443${ca ? '' : ' (TLS not verified: no ca_cert_pem output given)'}`, from: 'agent', expected: '200 ok',
      probe: { type: 'http', url: `https://${apiIp}:6443/readyz`, ...(ca ? { ca } : { insecure: true }), timeoutMs },
      judge: (r) => (r.ok && /^ok/.test(r.body ?? '') ? undefined : { observed: r.status ? `HTTP ${r.status} ${String(r.body ?? '').slice(0, 60)}` : `no answer (${r.error})`, hint: 'the API server is not ready behind the internal load balancer: LB health probe on 6443, control-plane static pods (crictl ps -a), journalctl -u kubelet (docs/cluster.md).' }),
    });
  }
  const kubectl = ['kubectl', ...(site.kubeconfig ? ['--kubeconfig', site.kubeconfig] : []), 'get', 'applications.argoproj.io', '-A', '-o', 'json'];
  checks.push({
    id: 'argocd', title: 'Argo CD applications Healthy and Synced (kubectl)', from: 'agent', expected: 'all Healthy/Synced',
    probe: { type: 'exec', argv: kubectl, timeoutMs: 20000 },
    judge: (r) => {
      if (!r.ok && r.error === 'ENOENT') return { observed: 'not checked: kubectl is not installed here', skipped: true };
      if (!r.ok && /kubeconfig|KUBERNETES_MASTER|localhost:8080|no configuration/i.test(r.error ?? '')) return { observed: 'not checked: no kubeconfig (pass kubeconfig in --addresses)', skipped: true };
      if (!r.ok) return { observed: `kubectl failed: ${r.error}`, hint: 'the API server or the Argo CD CRDs are not reachable from this agent.' };
      const items = (JSON.parse(r.body ?? '{}').items ?? []) as Array<{ metadata: { name: string }; status?: { health?: { status?: string }; sync?: { status?: string } } }>;
      const bad = items.filter((a) => a.status?.health?.status !== 'Healthy' || a.status?.sync?.status !== 'Synced');
      if (items.length === 0) return { observed: 'no Application objects', hint: 'Argo CD has no applications: the platform stack did not create them (docs/platform.md).' };
      return bad.length === 0 ? undefined : { observed: bad.map((a) => `${a.metadata.name}: ${a.status?.health?.status ?? '?'}/${a.status?.sync?.status ?? '?'}`).join(', '), hint: 'argocd app get <name> shows the failing resources (docs/platform.md).' };
    },
  });
  const hosts = (outputs.host_names ?? {}) as Record<string, string>;
  if (hosts.prometheus) {
    const ingressCa = str(outputs.ingress_ca_certificate);
    checks.push({
      id: 'prometheus-targets', title: `Prometheus targets up (https://${hosts.prometheus}/api/v1/targets)${ingressCa ? '' : ' (TLS not verified: no ingress_ca_certificate output given)'}`, from: 'agent', expected: 'every active target up',
      probe: { type: 'http', url: `https://${hosts.prometheus}/api/v1/targets?state=active`, ...(ingressCa ? { ca: ingressCa } : { insecure: true }), timeoutMs },
      judge: (r) => {
        if (!r.ok) return { observed: r.status ? `HTTP ${r.status}` : `no answer (${r.error})`, hint: 'Prometheus is not reachable through the ingress: ingress internal LB, Traefik, the platform DNS zone (docs/platform.md).' };
        const targets = (JSON.parse(r.body ?? '{}').data?.activeTargets ?? []) as Array<{ health: string; labels?: { job?: string }; scrapeUrl?: string; lastError?: string }>;
        const down = targets.filter((t) => t.health !== 'up');
        if (targets.length === 0) return { observed: 'no active targets', hint: 'no ServiceMonitor selected: check the kube-prometheus-stack selectors (docs/platform.md).' };
        return down.length === 0 ? undefined : { observed: `${down.length}/${targets.length} down: ${down.slice(0, 3).map((t) => t.labels?.job ?? t.scrapeUrl).join(', ')}`, hint: `the down targets' lastError says why, e.g. ${down[0]!.lastError ?? ''}`.trim() };
      },
    });
  }
  return checks;
}

export interface VerifyInputs {
  readonly model: HandoffModel;
  readonly outputs: Outputs;
  readonly site: SiteAddresses;
}

/** Reads the plan, the synthesized literal outputs, the applied outputs file and the site's addresses file. */
export function verifyInputs(o: { outdir: string; env: string; outputsFile?: string; addressesFile?: string }): VerifyInputs {
  const planFile = path.join(o.outdir, 'handoff', o.env, 'dns-plan.json');
  if (!fs.existsSync(planFile)) throw new Error(`${planFile} does not exist: run \`npm run synth\` (or copy cdktf.out/handoff/${o.env}/ here and pass --outdir)`);
  const model = JSON.parse(fs.readFileSync(planFile, 'utf8')) as HandoffModel;
  const outputs = { ...synthesizedOutputs(o.outdir, o.env), ...(o.outputsFile ? flattenOutputs(JSON.parse(fs.readFileSync(o.outputsFile, 'utf8'))) : {}) };
  const site = (o.addressesFile ? JSON.parse(fs.readFileSync(o.addressesFile, 'utf8')) : {}) as SiteAddresses;
  return { model, outputs, site };
}

/** The checks for the given roles of this machine. */
export function verifyChecks(inputs: VerifyInputs, roles: ReadonlyArray<Role>): Check[] {
  const { model, outputs, site } = inputs;
  const named = site.names ? { ...model, names: [...model.names, ...Object.entries(site.names).map(([fqdn, ip]) => ({ fqdn, ip, ports: [443], purpose: 'private endpoint (from --addresses)' }))] } : model;
  const options: CheckOptions = {
    ...(site.onPremisesDns ? { onPremisesDns: site.onPremisesDns } : {}),
    ...(site.sourceAddress ? { sourceAddress: site.sourceAddress } : {}),
    ...(site.onPremisesNames ? { onPremisesNames: site.onPremisesNames } : {}),
    azureDns: site.azureDns,
  };
  // A pipeline agent is an Azure VM too: it also runs the spoke's check (on-premises names through the outbound endpoint).
  const onPremises = runbookChecks(named, options).filter((c) => roles.includes(c.from) || (c.from === 'spoke' && roles.includes('agent')));
  return [...onPremises, ...(roles.includes('agent') ? agentChecks(model, outputs, site) : [])];
}
