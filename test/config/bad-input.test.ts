/**
 * Bad environment files end in one clear error per problem naming the file, the path and what is allowed, and never
 * print a secret-looking value, more than ~200 characters of any value, or a stack trace. Each case feeds one bad input
 * through the real loader (and the synth entry point for the YAML failures).
 */
import { generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ConfigError, loadEnvironments } from '../../config';
import { displayValue, looksSecret, redactText } from '../../config/redact';
import { MAX_ENVIRONMENT_FILE_BYTES } from '../../config/load';
import { rawEnvironment } from '../helpers/env';
import { synthesize } from '../../scripts/synth';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The printed error of a dev.yaml written as `text` (or the dev environment changed by `change`). */
function errorOf(input: string | ((env: any) => void)): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-env-'));
  dirs.push(dir);
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    const env = rawEnvironment('dev');
    input(env);
    text = stringify(env, { lineWidth: 0 });
  }
  fs.writeFileSync(path.join(dir, 'dev.yaml'), text);
  try {
    loadEnvironments(['dev'], dir);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the bad input was accepted');
}

/** No run of more than 200 characters of `value` in `output`. */
function expectNoLongRun(output: string, value: string): void {
  for (let i = 0; i + 200 <= value.length; i += 100) expect(output).not.toContain(value.slice(i, i + 200));
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const keyBody = privateKey.split('\n')[5]!;
const PASSWORD = 'Tq7#vLm2!pXr9$Wz';
const CLIENT_SECRET = `Abc8Q~${randomBytes(24).toString('base64url')}`;

describe('secrets in the wrong place are rejected without being printed', () => {
  test('an SSH private key pasted as the public key', () => {
    const out = errorOf((env) => (env.cluster.sshPublicKey = privateKey));
    expect(out).toMatch(/dev\.yaml: error at cluster\.sshPublicKey/);
    expect(out).not.toContain('PRIVATE KEY');
    expect(out).not.toContain(keyBody);
  });

  test('a PostgreSQL password under a key that does not exist', () => {
    const out = errorOf((env) => (env.services.postgres.administratorPassword = PASSWORD));
    expect(out).toMatch(/error at services\.postgres/);
    expect(out).not.toContain(PASSWORD);
  });

  test('a password where a CIDR belongs (the validator quotes the input in its message)', () => {
    const out = errorOf((env) => (env.network.hub.addressSpace = [PASSWORD]));
    expect(out).toMatch(/error at network\.hub\.addressSpace\.0/);
    expect(out).not.toContain(PASSWORD);
    expect(out).toContain('<hidden');
  });

  test('an Argo CD client secret where the Secret name belongs', () => {
    const out = errorOf((env) => (env.platform.argocd.sso = { issuer: 'https://login.microsoftonline.com/t/v2.0', clientId: 'argocd', clientSecretName: CLIENT_SECRET }));
    expect(out).toMatch(/error at platform\.argocd\.sso\.clientSecretName/);
    expect(out).not.toContain(CLIENT_SECRET);
    expect(out).not.toContain(CLIENT_SECRET.slice(6, 30));
  });

  test('a 5 MB value is refused by the file size limit, in one line', () => {
    const out = errorOf((env) => (env.prefix = 'a'.repeat(5 * 1024 * 1024)));
    expect(out).toMatch(/dev\.yaml: error at \(root\): the file is \d+ bytes, larger than the 262144 bytes/);
    expect(out.length).toBeLessThan(1000);
  });

  test('a 200 KB value is cut, its length stated', () => {
    const huge = 'a'.repeat(200 * 1024);
    const out = errorOf((env) => (env.prefix = huge));
    expect(out).toMatch(/error at prefix/);
    expect(out).toContain(`(${huge.length} characters)`);
    expect(out.length).toBeLessThan(5000);
    expectNoLongRun(out, huge);
  });
});

describe('every YAML failure is one line naming the file, never a stack trace', () => {
  const synthError = (text: string): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-yaml-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'dev.yaml'), text);
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
    try {
      expect(synthesize(path.join(dir, 'out'), ['dev'], dir)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const out = errors.join('\n');
    expect(out).not.toMatch(/\n\s+at /); // no stack frames
    expect(out).not.toMatch(/ReferenceError|TypeError/);
    const lines = out.split('\n').filter((l) => l.includes('dev.yaml'));
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };

  test('an alias bomb ("billion laughs")', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    expect(synthError(levels.join('\n'))).toMatch(/dev\.yaml: error at \(root\): YAML aliases expand too much/);
  });

  test('a syntax error gives line and column, without the source line (it may hold a secret)', () => {
    const line = synthError(`name: dev\nprefix: [${PASSWORD}\n  oops: : :\n`);
    expect(line).toMatch(/dev\.yaml: error at \(root\): YAML syntax error at line \d+, column \d+/);
    expect(line).not.toContain(PASSWORD);
  });

  test('duplicate keys', () => {
    expect(synthError('name: dev\nname: dev\n')).toMatch(/YAML syntax error at line 2/);
  });

  test('a file larger than the limit is refused before parsing', () => {
    expect(synthError(`# ${'x'.repeat(MAX_ENVIRONMENT_FILE_BYTES)}\nname: dev\n`)).toMatch(/larger than the 262144 bytes/);
  });
});

describe('numbers Azure bounds', () => {
  test.each([
    ['vpn.bgp.asn 2^32', (env: any) => { env.vpn.bgp = { asn: 4294967296 }; env.onPremises.bgp = { asn: 65010, peerAddress: '192.168.255.1' }; }, /error at vpn\.bgp\.asn/],
    ['vpn.bgp.asn 0', (env: any) => { env.vpn.bgp = { asn: 0 }; env.onPremises.bgp = { asn: 65010, peerAddress: '192.168.255.1' }; }, /error at vpn\.bgp\.asn/],
    ['vpn.bgp.asn reserved 65517', (env: any) => { env.vpn.bgp = { asn: 65517 }; env.onPremises.bgp = { asn: 65010, peerAddress: '192.168.255.1' }; }, /error at vpn\.bgp\.asn: ASN 65517 is reserved by Azure/],
    ['onPremises.bgp.asn 2^32', (env: any) => { env.vpn.bgp = {}; env.onPremises.bgp = { asn: 4294967296, peerAddress: '192.168.255.1' }; }, /error at onPremises\.bgp\.asn/],
    ['IPsec SA lifetime', (env: any) => { env.vpn.ipsecPolicy.saLifetimeSeconds = 172800; }, /error at vpn\.ipsecPolicy\.saLifetimeSeconds/],
    ['IPsec SA data size', (env: any) => { env.vpn.ipsecPolicy.saDataSizeKilobytes = 2147483648; }, /error at vpn\.ipsecPolicy\.saDataSizeKilobytes/],
    ['etcd disk of an HA control plane below 256 GiB (P15)', (env: any) => { env.cluster.controlPlane.count = 3; env.cluster.controlPlane.etcdDiskSizeGb = 64; }, /error at cluster\.controlPlane\.etcdDiskSizeGb: 64 GiB Premium SSD/],
    ['GatewaySubnet /28', (env: any) => { env.network.hub.subnets.GatewaySubnet = '10.10.0.0/28'; }, /error at network\.hub\.subnets\.GatewaySubnet: GatewaySubnet 10\.10\.0\.0\/28 is smaller than \/27/],
  ])('%s is an error', (_name, change, expected) => {
    expect(errorOf(change)).toMatch(expected);
  });
});

describe('redaction rules', () => {
  test.each(['Standard_D4s_v5', 'network.hub.subnets.GatewaySubnet', 'vpn.dpdTimeoutSeconds', '10.10.0.0/22', 'https://dev.azure.com/contoso/platform/_git/azure-hybrid-platform', '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-hyb-dev', 'kv-hyb-dev-d7k2', 'privatelink.vaultcore.azure.net', '2026-01-01T00:00:00Z', '~/.ssh/id_ed25519.pub'])('%s is shown', (text) => {
    expect(looksSecret(text)).toBe(false);
    expect(redactText(text)).toBe(text);
  });
  test.each([PASSWORD, CLIENT_SECRET, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123', `ghp_${'a1B2'.repeat(9)}`, randomBytes(48).toString('base64'), 'xK9mP2vL8nQ4wR7t'])('%s is hidden', (text) => {
    expect(looksSecret(text)).toBe(true);
    expect(displayValue(text)).toMatch(/^<hidden/);
  });
  test('a value under a secret-named key is hidden whatever it looks like', () => {
    expect(displayValue('correcthorsebatterystaple', 'services.postgres.password')).toMatch(/^<hidden: value of a secret-named key, 25 characters>$/);
  });
});

describe('long values inside messages', () => {
  test('a long value with spaces where a CIDR belongs is cut in the message too', () => {
    const long = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const out = errorOf((env) => (env.network.hub.addressSpace = [long]));
    expect(out).toMatch(/error at network\.hub\.addressSpace\.0/);
    expectNoLongRun(out, long);
    expect(out.length).toBeLessThan(3000);
  });
});

describe('readiness window against the node Key Vault wait', () => {
  const { validateReadinessWindow } = require('../../config/validate/cluster');
  const cfg = (minutes: number) => ({ cluster: { readinessTimeoutMinutes: minutes } });
  test('30 minutes (the default) is fine', () => expect(validateReadinessWindow(cfg(30))).toEqual([]));
  test('10 minutes warns: a node may still be waiting for its role', () => {
    expect(validateReadinessWindow(cfg(10))).toEqual([expect.objectContaining({ severity: 'warning', path: 'cluster.readinessTimeoutMinutes', allowed: '25 or more' })]);
  });
});

test('a long URL a message names (a download link) is kept whole; a 300-character run is still cut', () => {
  const { redactText } = require('../../config/redact');
  const url = 'https://github.com/kubernetes-sigs/cloud-provider-azure/releases/download/v1.36.5/azure-acr-credential-provider-linux-amd64';
  expect(url.length).toBeGreaterThan(120);
  expect(redactText(`set it to the sha256sum of ${url} (docs/cluster.md)`)).toContain(url);
  expect(redactText(`value ${'x'.repeat(300)} is bad`)).toContain('(300 characters)');
});
