import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cidrContainsIp, cidrHost, parseCidr } from '../config/ipv4';
import { gatewayIpPlaceholder, nftablesRuleset, nftTableName, pskFileName, swanctlConf } from '../handoff/device';
import { strongSwanProposals } from '../handoff/ipsec-proposals';
import type { HandoffModel } from '../handoff/model';
import { AZURE_PROVIDED_DNS, azureDns } from './azure-dns';
import { Check, CheckResult, judgeAll, labScript, probeScript, Role, runbookChecks } from './checks';
import { NetnsLab } from './netns';
import type { Probe, ProbeResult } from './probe';
import { readSynthesizedAzure, SynthesizedAzure } from './synthesized';
import { Outputs, synthesizedOutputs } from './verify';

/**
 * One lab run: a hybrid network of Linux network namespaces built from an environment's synthesized stacks and
 * generated handoff, then the runbook's checks from the on-premises side.
 *
 *   client ─┐                                         ┌─ hub  (resolver inbound + Azure DNS stand-in, endpoints :443)
 *   dns    ─┼─ edge (firewall.nft) ─ device ══IPsec══ azgw ─┤
 *   appliance┘        (swanctl.conf)   (strongSwan)   (strongSwan) └─ spoke (a VM using Azure-provided DNS)
 *
 * On-premises: BIND with named.conf.azure-forwarders included unchanged, nftables from firewall.nft, strongSwan
 * from swanctl.conf (placeholders filled as a user would, a throw-away PSK). Azure: strongSwan from the synthesized
 * connection and local network gateway, BIND answering as the resolver would from the synthesized zones, links and
 * zone groups (lab/azure-dns.ts), TCP listeners at the endpoints and the process server.
 */

export interface OnPremisesMutation {
  /** Leave the generated conditional forwarders out of the on-premises DNS server (field failure 2). */
  readonly withoutForwarders?: boolean;
  /** Firewall rules as the on-premises team applied them (field failure 3: without 9443). */
  readonly firewall?: (rules: HandoffModel['firewall']) => HandoffModel['firewall'];
  /** The VPN device's policy as someone edited it (proposal mismatch). */
  readonly devicePolicy?: (policy: HandoffModel['vpn']['policy']) => HandoffModel['vpn']['policy'];
}

export interface LabOptions {
  readonly outdir: string;
  readonly env: string;
  readonly onPremises?: OnPremisesMutation;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /**
   * The checks to run (default: the runbook's, lab/checks.ts). `npm run verify`'s tests pass verify's own checks
   * here: the lab is its test double. Role `agent` runs in the spoke namespace (an Azure VM).
   */
  readonly checks?: (ctx: LabContext) => Check[];
}

/** What a caller needs to point `verify` at the lab. */
export interface LabContext {
  readonly clientIp: string;
  readonly dnsIps: ReadonlyArray<string>;
  /** Outputs as the applied stacks would give them (the lab's addresses and its throw-away CA). */
  readonly outputs: Outputs;
  readonly onPremisesNames: Record<string, string>;
}

export interface LabResult {
  readonly env: string;
  readonly results: CheckResult[];
  readonly notes: string[];
  readonly seconds: number;
}

const LINK_GW = '169.254.0.1';
/** Where on-premises recursion goes (documentation range; dropped at the edge, never leaves the lab). */
const LAB_ROOT = '192.0.2.53';
const AZURE_GW_PUBLIC = ['192.0.2.1', '192.0.2.2'];
const CHARON_PLUGINS = 'random nonce openssl gmp pem pkcs1 x509 pubkey kdf aes sha1 sha2 hmac gcm kernel-libipsec kernel-netlink socket-default vici';

export function readHandoff(outdir: string, env: string): HandoffModel {
  const file = path.join(outdir, 'handoff', env, 'dns-plan.json');
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist: run \`npm run synth\` first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HandoffModel;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, fn: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

export function strongswanConf(lab: NetnsLab, role: string): string {
  return [
    'charon {',
    `  load = ${CHARON_PLUGINS}`,
    '  install_routes = yes',
    '  retransmit_tries = 2',
    '  retransmit_timeout = 1.0',
    '  filelog {',
    `    lab { path = ${path.join(lab.dir, `charon-${role}.log`)}\n      default = 1\n      ike = 1\n      flush_line = yes }`,
    '  }',
    `  plugins { vici { socket = unix://${path.join(lab.dir, `${role}.vici`)} } }`,
    '}',
    '',
  ].join('\n');
}

/** The Azure gateway stand-in's swanctl.conf, from the synthesized connection and local network gateway. */
export function azureGatewaySwanctl(az: SynthesizedAzure, publicIp: string, psk: string): { conf: string; problems: ReadonlyArray<string> } {
  const g = az.gateway;
  const p = strongSwanProposals(g.policy as Parameters<typeof strongSwanProposals>[0]);
  const localTs = [...az.vnets.flatMap((v) => v.addressSpace), ...(g.bgp?.peers[0] ? [`${g.bgp.peers[0]}/32`] : [])];
  const remoteTs = [...az.localNetworkGateway.addressSpace, ...(g.bgp ? [`${g.bgp.remotePeer}/32`] : [])];
  const conf = [
    'connections {',
    '  azure-gateway {',
    `    version = ${g.connectionProtocol === 'IKEv2' ? 2 : 1}`,
    `    local_addrs = ${publicIp}`,
    `    remote_addrs = ${az.localNetworkGateway.address}`,
    `    proposals = ${p.ike}`,
    '    mobike = no',
    `    local { auth = psk\n      id = ${publicIp} }`,
    '    remote { auth = psk\n      id = %any }',
    '    children {',
    '      azure-gateway {',
    `        local_ts = ${localTs.join(', ')}`,
    `        remote_ts = ${remoteTs.join(', ')}`,
    `        esp_proposals = ${p.esp}`,
    `        life_time = ${g.policy.saLifetimeSeconds}s`,
    '      }',
    '    }',
    '  }',
    '}',
    `secrets { ike-lab { secret = "${psk}" } }`,
    '',
  ].join('\n');
  return { conf, problems: p.problems };
}

/** Why the tunnel did not come up, from the charon logs. */
function tunnelDiagnosis(log: string): { observed: string; hint: string } {
  if (/NO_PROPOSAL_CHOSEN|no acceptable proposal|no matching proposal/i.test(log)) {
    return { observed: 'no tunnel: IKE/IPsec proposal mismatch (NO_PROPOSAL_CHOSEN)', hint: "IPsec proposal mismatch: the VPN device's proposals differ from the connection's ipsec_policy; configure the device from swanctl.conf in the handoff (the same table as the Azure side)." };
  }
  if (/AUTHENTICATION_FAILED|tried \d+ shared key/i.test(log)) return { observed: 'no tunnel: authentication failed', hint: 'the pre-shared key differs: use the vpn_shared_key output.' };
  if (/TS_UNACCEPTABLE/i.test(log)) return { observed: 'no tunnel: traffic selectors unacceptable', hint: 'the traffic selectors differ: local_ts must be the local network gateway address space, remote_ts the VNets.' };
  return { observed: 'no tunnel (no IKE answer)', hint: 'the VPN device cannot reach the gateway on UDP 500/4500 (firewall-rules.md), or the gateway address is wrong.' };
}

function runProbesIn(lab: NetnsLab, role: Role, probes: Probe[]): Promise<ProbeResult[]> {
  if (probes.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    // A pipeline agent is an Azure VM: the spoke namespace plays it.
    execFile('ip', ['netns', 'exec', lab.ns(role === 'agent' ? 'spoke' : role), process.execPath, probeScript(), JSON.stringify(probes)], { timeout: 30000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`probes in ${role} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as ProbeResult[]);
    });
  });
}

export async function runLab(options: LabOptions): Promise<LabResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const model = readHandoff(options.outdir, options.env);
  const az = readSynthesizedAzure(options.outdir, options.env);
  const handoffDir = path.resolve(options.outdir, 'handoff', options.env);
  const mutation = options.onPremises ?? {};
  const notes: string[] = [];

  // Addresses: every one is either from the synthesized/handoff data or a documented lab choice.
  const firewall = mutation.firewall ? mutation.firewall(model.firewall) : model.firewall;
  const dnsIps = [...new Set(model.firewall.filter((r) => r.destination === model.plan.inboundIp && /conditional forwarders/.test(r.purpose)).map((r) => r.source))];
  const asr = model.firewall.filter((r) => /Site Recovery: Mobility service/.test(r.purpose));
  const processServer = asr[0]?.destination;
  const sourceRange = asr[0]?.source.split(/,\s*/)[0];
  const onPrem = model.vpn.onPremisesPrefixes;
  // A source-server address not used by anything else on premises (host 10 upwards of the first source range).
  const taken = new Set([...dnsIps, ...(processServer ? [processServer] : [])]);
  let clientIp = cidrHost(sourceRange ?? onPrem[0]!, 10);
  for (let h = 11; taken.has(clientIp); h++) clientIp = cidrHost(sourceRange ?? onPrem[0]!, h);
  // The process server sits on premises (behind the edge) or in a hub subnet (behind the gateway).
  const applianceRouter = processServer && !onPrem.some((p) => cidrContainsIp(parseCidr(p), processServer)) ? 'azgw' : 'edge';
  // kernel-libipsec routes each policy with a source address inside its local traffic selector: each side gets
  // one address per local prefix (the device: a high host of each on-premises prefix; the gateway: host 4 of each
  // VNet space, as Azure's first gateway instance in the GatewaySubnet) and its BGP peer address.
  const deviceInners = [...onPrem.map((p) => cidrHost(p, -2)), ...(model.vpn.bgp ? [model.vpn.bgp.devicePeer] : [])];
  const deviceInner = deviceInners[0]!;
  const azgwInner = [...new Set([cidrHost(az.gateway.gatewaySubnet, 4), ...az.vnets.flatMap((v) => v.addressSpace.map((s) => cidrHost(s, 4))), ...(az.gateway.bgp?.peers[0] ? [az.gateway.bgp.peers[0]] : [])])];
  const outboundIp = cidrHost(az.resolver.outboundSubnet, 4);
  const endpointIps = [...new Set(az.endpoints.flatMap((e) => e.members.map((m) => m.ip)))];
  const lbIps = ['api_server_ip', 'ingress_ip'].map((k) => synthesizedOutputs(options.outdir, options.env)[k]).filter((v): v is string => typeof v === 'string');
  // The internal load balancers' frontends live in the hub namespace too (stand-ins; routed like the rest).
  const hubIps = [...new Set([az.resolver.inboundIp, outboundIp, AZURE_PROVIDED_DNS, ...endpointIps, ...lbIps])];
  const ruleVnet = az.rules.flatMap((r) => r.linkedVnets)[0];
  const spokeVnet = az.vnets.find((v) => v.name === ruleVnet);
  const spokeIp = spokeVnet ? cidrHost(spokeVnet.addressSpace[0]!, 10) : undefined;
  const devicePublic = model.vpn.device;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(devicePublic)) throw new Error(`the lab gives the VPN device its declared public address; ${options.env} declares onPremises.gatewayFqdn (${devicePublic}), which the lab cannot stand in for: use gatewayIpAddress to run it`);
  if (AZURE_GW_PUBLIC.includes(devicePublic) || onPrem.some((p) => AZURE_GW_PUBLIC.some((ip) => cidrContainsIp(parseCidr(p), ip)))) {
    throw new Error(`the lab uses ${AZURE_GW_PUBLIC.join(', ')} for the Azure gateway; the environment uses them on premises`);
  }

  const lab = new NetnsLab();
  try {
    log(`lab ${lab.id}: namespaces ${lab.ns('*')}`);
    const leaves: Array<[Role | 'hub', string, string[]]> = [
      ['client', 'edge', [clientIp]],
      ['dns', 'edge', dnsIps],
      ...(processServer ? [['appliance', applianceRouter, [processServer]] as [Role, string, string[]]] : []),
      ['hub', 'azgw', hubIps],
      ...(spokeIp ? [['spoke', 'azgw', [spokeIp]] as [Role, string, string[]]] : []),
    ];
    for (const role of ['edge', 'device', 'azgw']) lab.addNamespace(role, true);
    for (const [role] of leaves) lab.addNamespace(role);
    // Leaves: their addresses as /32 and a default route to the router's link address (no shared subnets needed).
    for (const [role, router, ips] of leaves) {
      const rif = `to-${role}`.slice(0, 15);
      lab.link(role, 'eth0', router, rif);
      for (const ip of ips) lab.exec(role, ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'eth0']);
      lab.exec(role, ['ip', 'route', 'add', LINK_GW, 'dev', 'eth0']);
      lab.exec(role, ['ip', 'route', 'add', 'default', 'via', LINK_GW, 'dev', 'eth0']);
      lab.exec(router, ['ip', 'addr', 'add', `${LINK_GW}/32`, 'dev', rif]);
      for (const ip of ips) lab.exec(router, ['ip', 'route', 'add', `${ip}/32`, 'dev', rif]);
    }
    // Edge <-> VPN device (LAN side): Azure prefixes go to the device, on-premises prefixes back to the edge.
    lab.link('edge', 'to-device', 'device', 'lan');
    lab.exec('edge', ['ip', 'addr', 'add', `${LINK_GW}/32`, 'dev', 'to-device']);
    for (const ip of deviceInners) lab.exec('device', ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'lan']);
    lab.exec('device', ['ip', 'route', 'add', LINK_GW, 'dev', 'lan']);
    for (const p of onPrem) lab.exec('device', ['ip', 'route', 'add', p, 'via', LINK_GW, 'dev', 'lan']);
    lab.exec('edge', ['ip', 'route', 'add', `${deviceInner}/32`, 'dev', 'to-device']);
    for (const p of model.vpn.azurePrefixes) lab.exec('edge', ['ip', 'route', 'add', p, 'via', deviceInner, 'dev', 'to-device']);
    // The "internet" between the device and the gateway: one veth, /32 addresses.
    lab.link('device', 'wan', 'azgw', 'wan');
    lab.exec('device', ['ip', 'addr', 'add', `${devicePublic}/32`, 'dev', 'wan']);
    for (const ip of AZURE_GW_PUBLIC) lab.exec('device', ['ip', 'route', 'add', `${ip}/32`, 'dev', 'wan']);
    lab.exec('azgw', ['ip', 'addr', 'add', `${AZURE_GW_PUBLIC[0]}/32`, 'dev', 'wan']);
    lab.exec('azgw', ['ip', 'route', 'add', `${az.localNetworkGateway.address}/32`, 'dev', 'wan']);
    for (const ip of azgwInner) lab.exec('azgw', ['ip', 'addr', 'add', `${ip}/32`, 'dev', 'to-hub']);
    lab.assertIsolated();

    // Edge firewall: the generated ruleset, plus one lab rule for the clients' own DNS traffic (LAN-internal,
    // not part of the handoff).
    const nft = lab.write('firewall.nft', mutation.firewall ? nftablesRuleset({ ...model, firewall }) : fs.readFileSync(path.join(handoffDir, 'firewall.nft'), 'utf8'));
    lab.exec('edge', ['nft', '-f', nft]);
    lab.exec('edge', ['nft', 'add', 'rule', 'inet', nftTableName(model.environment), 'forward', 'ip', 'saddr', `{ ${clientIp}${processServer ? `, ${processServer}` : ''} }`, 'ip', 'daddr', `{ ${dnsIps.join(', ')} }`, 'meta', 'l4proto', '{ tcp, udp }', 'th', 'dport', '53', 'accept', 'comment', '"lab: on-premises hosts to their own DNS servers (LAN traffic, not in the handoff)"']);

    // On-premises DNS: the generated forwarders file included unchanged, plus the on-premises domains it serves.
    const dnsDir = path.join(lab.dir, 'dns');
    fs.mkdirSync(dnsDir);
    const domains = model.plan.rules.filter((r) => r.targets.some((t) => dnsIps.includes(t))).map((r) => r.domain.replace(/\.$/, ''));
    // No internet in the lab: recursion beyond the forwarders goes to a root that the edge silently drops, like an
    // on-premises DNS server that has neither the forwarders nor a way out (the field symptom: nslookup times out).
    lab.write('dns/root.hints', `. 60 IN NS root.lab.\nroot.lab. 60 IN A ${LAB_ROOT}\n`);
    for (const d of domains) lab.write(`dns/${d}.db`, `$ORIGIN ${d}.\n$TTL 10\n@ IN SOA ns hostmaster 1 60 60 600 10\n@ IN NS ns\nns IN A ${dnsIps[0]}\nlab-probe IN A ${dnsIps[0]}\n`);
    const forwardersFile = path.join(handoffDir, 'named.conf.azure-forwarders');
    const onPremNamed = lab.write('dns/named.conf', [
      `options { directory "${dnsDir}"; pid-file "${dnsDir}/named.pid"; listen-on { ${dnsIps.map((i) => `${i};`).join(' ')} 127.0.0.1; }; listen-on-v6 { none; };`,
      '  recursion yes; allow-recursion { any; }; allow-query { any; }; dnssec-validation no; max-cache-ttl 5; max-ncache-ttl 5; };',
      'controls { };',
      'zone "." { type hint; file "root.hints"; };',
      ...domains.map((d) => `zone "${d}" { type primary; file "${d}.db"; };`),
      mutation.withoutForwarders ? '// (variant) the conditional forwarders were never applied' : `include "${forwardersFile}";`,
      '',
    ].join('\n'));
    lab.run('named-checkconf', [onPremNamed]);
    lab.daemon('dns', 'named-onprem', `exec named -f -c ${onPremNamed}`);

    // Azure DNS stand-in in the hub.
    const hubDir = path.join(lab.dir, 'hub');
    fs.mkdirSync(hubDir);
    const azDns = azureDns(az, hubDir, outboundIp);
    for (const [f, c] of Object.entries(azDns.zoneFiles)) lab.write(`hub/${f}`, c);
    const hubNamed = lab.write('hub/named.conf', azDns.namedConf);
    lab.run('named-checkconf', [hubNamed]);
    lab.daemon('hub', 'named-azure', `exec named -f -c ${hubNamed}`);

    // Stand-ins: private endpoints on 443 (hub), the process server on its Site Recovery ports, and for verify's
    // Azure-side checks the API server's /readyz and Prometheus' targets over HTTPS (a throw-away self-signed cert).
    const outputs = synthesizedOutputs(options.outdir, options.env);
    const apiIp = typeof outputs.api_server_ip === 'string' ? outputs.api_server_ip : undefined;
    const ingressIp = typeof outputs.ingress_ip === 'string' ? outputs.ingress_ip : undefined;
    const prometheusHost = (outputs.host_names as Record<string, string> | undefined)?.prometheus;
    const standins = `${process.execPath} ${labScript('standins.js')}`;
    const https: Array<[string, number]> = [...(apiIp ? [[apiIp, 6443] as [string, number]] : []), ...(ingressIp ? [[ingressIp, 443] as [string, number]] : [])];
    let caPem: string | undefined;
    if (https.length > 0) {
      const san = [...https.map(([ip]) => `IP:${ip}`), ...(prometheusHost ? [`DNS:${prometheusHost}`] : [])].join(',');
      lab.run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=hybrid-lab', '-addext', `subjectAltName=${san}`, '-keyout', path.join(lab.dir, 'standin.key'), '-out', path.join(lab.dir, 'standin.crt')]);
      caPem = fs.readFileSync(path.join(lab.dir, 'standin.crt'), 'utf8');
    }
    const hubStandins = { tcp: endpointIps.map((ip) => [ip, 443]), ...(https.length ? { https: { key: path.join(lab.dir, 'standin.key'), cert: path.join(lab.dir, 'standin.crt'), listen: https, targets: [{ health: 'up', labels: { job: 'lab-standin' } }] } } : {}) };
    lab.daemon('hub', 'standins-hub', `exec ${standins} '${JSON.stringify(hubStandins)}'`);
    if (processServer) lab.daemon('appliance', 'standins-appliance', `exec ${standins} '${JSON.stringify({ tcp: [...new Set(['443', ...asr.map((r) => r.ports)])].map((p) => [processServer, Number(p)]) })}'`);
    // The spoke VM uses Azure-provided DNS, as VNets without custom DNS servers do.
    if (spokeIp) lab.etc('spoke', 'resolv.conf', `nameserver ${AZURE_PROVIDED_DNS}\n`);

    // strongSwan on both sides (userspace IPsec over TUN: the kernel here has no ESP), a throw-away PSK.
    const psk = crypto.randomBytes(24).toString('base64');
    const gwConf = azureGatewaySwanctl(az, AZURE_GW_PUBLIC[0]!, psk);
    const deviceModel = mutation.devicePolicy ? { ...model, vpn: { ...model.vpn, policy: mutation.devicePolicy(model.vpn.policy) } } : model;
    let device = mutation.devicePolicy ? swanctlConf(deviceModel) : fs.readFileSync(path.join(handoffDir, 'swanctl.conf'), 'utf8');
    AZURE_GW_PUBLIC.forEach((ip, i) => (device = device.split(gatewayIpPlaceholder(i + 1)).join(ip)));
    const problems = [...new Set([...gwConf.problems, ...strongSwanProposals(deviceModel.vpn.policy).problems])];
    for (const p of problems) notes.push(`proposal cannot be expressed for strongSwan: ${p}`);
    lab.write('azgw/swanctl.conf', gwConf.conf, 0o600);
    lab.write('device/swanctl.conf', device, 0o600);
    lab.write(`device/${pskFileName(model.environment)}`, `secrets { ike-azure-${model.environment} { secret = "${psk}" } }\n`, 0o600);
    for (const role of ['azgw', 'device']) {
      lab.etc(role, 'strongswan.conf', strongswanConf(lab, role));
      // Own /run per daemon (pid file, sockets): a tmpfs mounted inside this `ip netns exec` shell's mount namespace.
      lab.daemon(role, `charon-${role}-stdout`, 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon');
    }
    const vici = (role: string) => `unix://${path.join(lab.dir, `${role}.vici`)}`;
    for (const role of ['azgw', 'device']) await until(`charon in ${role}`, 10000, () => (fs.existsSync(path.join(lab.dir, `${role}.vici`)) ? true : undefined));
    const tunnelStarted = Date.now();
    // A policy strongSwan cannot express is stated as such; the lab never substitutes another proposal.
    let loadError: string | undefined = problems.length > 0 ? `proposal cannot be expressed for strongSwan: ${problems.join('; ')}` : undefined;
    if (!loadError) {
      try {
        lab.run('swanctl', ['--load-all', '--noprompt', '--file', path.join(lab.dir, 'azgw/swanctl.conf'), '--uri', vici('azgw')]);
        lab.run('swanctl', ['--load-all', '--noprompt', '--file', path.join(lab.dir, 'device/swanctl.conf'), '--uri', vici('device')]);
      } catch (e) {
        loadError = `configuration rejected by swanctl: ${(e as Error).message.split('\n').slice(-3).join(' ')}`;
      }
    }
    const sasUp = () => /INSTALLED/.test(lab.run('swanctl', ['--list-sas', '--uri', vici('device')]));
    let tunnel = false;
    if (!loadError) {
      try {
        const failed = () => /NO_PROPOSAL_CHOSEN|AUTHENTICATION_FAILED|TS_UNACCEPTABLE/.test(lab.readLog('charon-device'));
        tunnel = await until('the tunnel', 8000, () => (sasUp() ? true : failed() ? false : undefined));
      } catch { /* diagnosed below */ }
    }
    const tunnelMs = Date.now() - tunnelStarted;
    const diag = tunnel ? undefined : loadError ? { observed: `not tested: ${loadError}`, hint: 'the IPsec/IKE policy has no strongSwan equivalent (or swanctl refused it): see the notes and swanctl.conf.' } : tunnelDiagnosis(lab.readLog('charon-device') + lab.readLog('charon-azgw'));
    const tunnelResult: CheckResult = {
      id: 'tunnel', title: `IPsec tunnel: device (swanctl.conf) to gateway${az.gateway.instances > 1 ? ` (instance 0 of ${az.gateway.instances})` : ''}`, from: 'device',
      expected: 'IKE SA established, CHILD_SA installed', observed: tunnel ? 'established, installed' : diag!.observed, pass: tunnel, ms: tunnelMs, ...(diag ? { hint: diag.hint } : {}),
    };
    for (const e of az.endpoints.filter((x) => x.members.length === 0)) notes.push(`${e.name}: Azure allocates its addresses and names at deployment (no static IPs at synth); not in the lab, give them to verify in the addresses file (names)`);
    if (az.gateway.instances > 1) notes.push(`active-active: the lab stands in for gateway instance 0 only; the device's tunnel to instance 1 (${gatewayIpPlaceholder(2)}) is configured but not exercised`);
    if (az.gateway.bgp) notes.push(`BGP: peer addresses ${model.vpn.bgp?.devicePeer} / ${az.gateway.bgp.peers[0]} sit inside the traffic selectors; no BGP daemon runs in the lab (static routes stand in for the learned prefixes)`);

    // DNS servers answering before the checks (both load in well under a second).
    await until('on-premises DNS', 10000, () => (tryDig(lab, 'dns', dnsIps[0]!, domains[0] ?? '.') ? true : undefined));
    await until('Azure DNS stand-in', 10000, () => (tryDig(lab, 'hub', az.resolver.inboundIp, az.zones[0]?.name ?? '.') ? true : undefined));

    // The outbound path needs a VNet linked to a forwarding ruleset (the spoke VM); without one there is nothing to probe.
    const onPremisesNames: Record<string, string> = spokeIp ? Object.fromEntries(domains.map((d) => [d, `lab-probe.${d}`])) : {};
    if (!spokeIp) notes.push('no VNet is linked to a forwarding ruleset: the outbound path to on-premises DNS is not exercised');
    const ctx: LabContext = { clientIp, dnsIps, onPremisesNames, outputs: { ...outputs, dns_resolver_inbound_ip: az.resolver.inboundIp, ...(caPem ? { ca_cert_pem: caPem, ingress_ca_certificate: caPem } : {}) } };
    const checks = options.checks ? options.checks(ctx) : runbookChecks(model, { onPremisesDns: dnsIps[0], sourceAddress: clientIp, azureDns: AZURE_PROVIDED_DNS, onPremisesNames, timeoutMs: 2500 });
    // Roles without a machine in this configuration (no process server on premises, no ruleset-linked spoke).
    const present = new Set<Role>(['client', 'dns', 'device', ...(processServer ? ['appliance' as Role] : []), ...(spokeIp ? ['spoke' as Role, 'agent' as Role] : [])]);
    const absent = [...new Set(checks.filter((c) => !present.has(c.from)).map((c) => c.from))];
    if (absent.length > 0) notes.push(`not exercised (no such machine in this configuration): checks from ${absent.join(', ')}`);
    checks.splice(0, checks.length, ...checks.filter((c) => present.has(c.from)));
    const byRole = new Map<Role, number[]>();
    checks.forEach((c, i) => byRole.set(c.from, [...(byRole.get(c.from) ?? []), i]));
    const results: ProbeResult[] = new Array(checks.length);
    await Promise.all([...byRole.entries()].map(async ([role, idx]) => {
      const r = await runProbesIn(lab, role, idx.map((i) => checks[i]!.probe));
      idx.forEach((i, k) => (results[i] = r[k]!));
    }));
    // Without a tunnel every check across it fails too: point at the cause instead of repeating symptoms' hints.
    const judged = judgeAll(checks, results).map((r) => (tunnel || r.pass ? r : { ...r, hint: 'follows from check 1: no tunnel; fix the tunnel first' }));
    return { env: options.env, results: [tunnelResult, ...judged], notes, seconds: (Date.now() - started) / 1000 };
  } finally {
    lab.cleanup();
  }
}

function tryDig(lab: NetnsLab, role: string, server: string, name: string): boolean {
  try {
    lab.exec(role, ['dig', '+time=1', '+tries=1', `@${server}`, name, 'SOA'], undefined, 3000);
    return true;
  } catch {
    return false;
  }
}
