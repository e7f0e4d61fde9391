/** The device-side handoff (swanctl.conf, firewall.nft) and the Azure-policy-to-strongSwan table, without namespaces. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nftablesRule, nftablesRuleset, swanctlConf } from '../../handoff/device';
import { DH_GROUP_MAP, IKE_ENCRYPTION_MAP, IPSEC_ENCRYPTION_MAP, IPSEC_INTEGRITY_MAP, PFS_GROUP_MAP, strongSwanProposals } from '../../handoff/ipsec-proposals';
import { handoffModel } from '../../handoff/model';
import { DH_GROUPS, IKE_ENCRYPTION, IPSEC_ENCRYPTION, IPSEC_INTEGRITY, PFS_GROUPS } from '../../config/schema/network';
import { testConfig } from '../dns/fixtures';

const dev = handoffModel(testConfig('dev'));
const prod = handoffModel(testConfig('prod'));

describe('Azure IPsec/IKE policy -> strongSwan proposals (one table for both ends)', () => {
  it('covers every value the schema allows', () => {
    for (const v of IKE_ENCRYPTION) expect(IKE_ENCRYPTION_MAP[v]).toBeTruthy();
    for (const v of DH_GROUPS) expect(v in DH_GROUP_MAP).toBe(true);
    for (const v of IPSEC_ENCRYPTION) expect(IPSEC_ENCRYPTION_MAP[v]).toBeTruthy();
    for (const v of IPSEC_INTEGRITY) expect(v in IPSEC_INTEGRITY_MAP).toBe(true);
    for (const v of PFS_GROUPS) expect(v in PFS_GROUP_MAP).toBe(true);
  });
  it('maps the shipped policies: CBC+HMAC with a DH group (dev), GCM with the integrity value as PRF (prod)', () => {
    expect(strongSwanProposals(dev.vpn.policy)).toEqual({ ike: 'aes256-sha256-modp2048', esp: 'aes256gcm16-modp2048', problems: [] });
    expect(strongSwanProposals(prod.vpn.policy)).toEqual({ ike: 'aes256gcm16-prfsha384-ecp384', esp: 'aes256gcm16-ecp384', problems: [] });
  });
  it('no PFS: no DH keyword in the ESP proposal; CBC ESP keeps its integrity', () => {
    expect(strongSwanProposals({ ...dev.vpn.policy, ipsecEncryption: 'AES128', ipsecIntegrity: 'SHA1', pfsGroup: 'None' }).esp).toBe('aes128-sha1');
  });
  it('says plainly what cannot be expressed: IKE without a DH group, GCM encryption with another integrity', () => {
    expect(strongSwanProposals({ ...dev.vpn.policy, dhGroup: 'None' }).problems.join()).toMatch(/IKE needs a Diffie-Hellman group/);
    expect(strongSwanProposals({ ...dev.vpn.policy, ipsecEncryption: 'GCMAES256', ipsecIntegrity: 'SHA256' }).problems.join()).toMatch(/same GCM algorithm/);
    expect(swanctlConf({ ...dev, vpn: { ...dev.vpn, policy: { ...dev.vpn.policy, dhGroup: 'None' } } })).toMatch(/CANNOT BE EXPRESSED/);
  });
});

describe('swanctl.conf', () => {
  it('dev: one connection, on-premises prefixes to every VNet, placeholders for the gateway IP and no secret', () => {
    const conf = swanctlConf(dev);
    expect(conf.match(/^ {2}azure-dev-\d \{/gm)).toHaveLength(1);
    expect(conf).toMatch(/local_ts = 192\.168\.0\.0\/16\n/);
    expect(conf).toMatch(/remote_ts = 10\.10\.0\.0\/22, 10\.20\.0\.0\/22\n/);
    expect(conf).toMatch(/remote_addrs = AZURE_VPN_GATEWAY_IP_1/);
    expect(conf).toMatch(/life_time = 27000s/);
    expect(conf).toMatch(/include azure-dev\.secrets\.conf/);
    expect(conf).not.toMatch(/secret = "[^<]/);
  });
  it('a device known by FQDN binds to any local address (no local_addrs, no fixed id)', () => {
    const conf = swanctlConf({ ...dev, vpn: { ...dev.vpn, device: 'vpn.example.com' } });
    expect(conf).not.toMatch(/^\s*local_addrs =/m);
    expect(conf).toMatch(/# local_addrs: any \(the local network gateway knows this device as vpn\.example\.com\)/);
    expect(conf).not.toMatch(/id = vpn\.example\.com/);
  });
  it('prod (active-active, BGP): a tunnel per instance, BGP peers inside the traffic selectors', () => {
    const conf = swanctlConf(prod);
    expect(conf.match(/^ {2}azure-prod-\d \{/gm)).toHaveLength(2);
    expect(conf).toMatch(/local_ts = 192\.168\.0\.0\/16, 172\.16\.0\.0\/20, 169\.254\.21\.1\/32/);
    expect(conf).toMatch(/remote_ts = 10\.100\.0\.0\/22, 10\.110\.0\.0\/21, 169\.254\.21\.2\/32/);
    expect(conf).toMatch(/remote_ts = 10\.100\.0\.0\/22, 10\.110\.0\.0\/21, 169\.254\.22\.2\/32/);
  });
});

describe('firewall.nft', () => {
  it('renders address rules, the gateway set for IKE/ESP, and refuses names with a reason', () => {
    expect(nftablesRule({ source: '192.168.30.0/24', destination: '192.168.20.10', protocol: 'TCP', ports: '9443', purpose: 'x' }).rule).toBe('ip saddr { 192.168.30.0/24 } ip daddr { 192.168.20.10 } tcp dport { 9443 } accept comment "x"');
    expect(nftablesRule({ source: '192.168.10.10', destination: '10.10.0.36', protocol: 'UDP/TCP', ports: '53', purpose: 'dns' }).rule).toMatch(/meta l4proto \{ tcp, udp \} th dport \{ 53 \}/);
    expect(nftablesRule({ source: '203.0.113.10', destination: 'Azure VPN gateway public IP(s)', protocol: 'ESP', ports: 'IP protocol 50', purpose: 'esp' }).rule).toMatch(/@azure_vpn_gateways meta l4proto esp/);
    expect(nftablesRule({ source: '192.168.20.10', destination: 'login.microsoftonline.com (internet)', protocol: 'TCP', ports: '443', purpose: 'entra' }).skipped).toMatch(/is a name/);
  });
  it('contains every address rule of firewall-rules.md, including 9443', () => {
    const nft = nftablesRuleset(dev);
    const rendered = dev.firewall.filter((r) => nftablesRule(r).rule);
    expect(rendered.length).toBeGreaterThanOrEqual(dev.firewall.length - 1);
    for (const r of rendered) expect(nft).toContain(nftablesRule(r).rule);
    expect(nft).toMatch(/tcp dport \{ 9443 \} accept/);
  });
  it('parses with nft -c (a throw-away network namespace)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nft-'));
    try {
      for (const m of [dev, prod]) {
        const file = path.join(dir, `${m.environment}.nft`);
        fs.writeFileSync(file, nftablesRuleset(m));
        execFileSync('unshare', ['-n', 'nft', '-c', '-f', file], { stdio: 'pipe' });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('strongSwan accepts every keyword of the table (a real charon parses them)', () => {
  it('loads one connection per Azure value without a proposal error', async () => {
    const { NetnsLab, labPrerequisites } = await import('../../lab/netns');
    const { strongswanConf } = await import('../../lab/lab');
    const why = labPrerequisites();
    if (why) throw new Error(`cannot start charon here: ${why}`);
    const base = testConfig('dev').vpn.ipsecPolicy;
    // One policy per table value, the other fields kept valid (GCM ESP carries its own integrity).
    const policies = [
      ...IKE_ENCRYPTION.map((v) => ({ ...base, ikeEncryption: v })),
      ...(['SHA384', 'SHA256', 'SHA1', 'MD5'] as const).map((v) => ({ ...base, ikeIntegrity: v })),
      ...DH_GROUPS.filter((v) => v !== 'None').map((v) => ({ ...base, dhGroup: v })),
      ...IPSEC_ENCRYPTION.filter((v) => !v.startsWith('GCM')).map((v) => ({ ...base, ipsecEncryption: v, ipsecIntegrity: 'SHA256' as const })),
      ...IPSEC_INTEGRITY.filter((v) => v.startsWith('GCM')).map((v) => ({ ...base, ipsecEncryption: v as typeof base.ipsecEncryption, ipsecIntegrity: v })),
      ...(['SHA256', 'SHA1', 'MD5'] as const).map((v) => ({ ...base, ipsecEncryption: 'AES256' as const, ipsecIntegrity: v })),
      ...PFS_GROUPS.map((v) => ({ ...base, pfsGroup: v })),
    ];
    const conns = policies.map((p, i) => {
      const sp = strongSwanProposals(p);
      expect(sp.problems).toEqual([]);
      return `  c${i} {\n    proposals = ${sp.ike}\n    children {\n      c${i} {\n        esp_proposals = ${sp.esp}\n      }\n    }\n  }`;
    });
    const lab = new NetnsLab();
    try {
      lab.addNamespace('sw');
      lab.etc('sw', 'strongswan.conf', strongswanConf(lab, 'sw'));
      lab.daemon('sw', 'charon-sw-stdout', 'mount -t tmpfs tmpfs /run && exec /usr/lib/ipsec/charon');
      const socket = path.join(lab.dir, 'sw.vici');
      for (let i = 0; i < 100 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
      const conf = lab.write('swanctl.conf', `connections {\n${conns.join('\n')}\n}\n`);
      const out = lab.run('swanctl', ['--load-conns', '--file', conf, '--uri', `unix://${socket}`]);
      expect(out).not.toMatch(/failed|invalid/i);
      expect(out).toMatch(new RegExp(`successfully loaded ${policies.length} connections, 0 unloaded`));
    } finally {
      lab.cleanup();
    }
  });
});
