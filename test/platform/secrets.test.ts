/**
 * No plaintext secret in the synthesized stack: every password, key or token is a reference to a generated value
 * (random_password, tls_private_key) or to the cluster stack, and the values handed to Helm carry none.
 */
import { parse } from 'yaml';
import { Release } from '@cdktf/provider-helm/lib/release';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Testing } from 'cdktf';
import { build, built, Json } from './fixtures';

/** Keys that hold a secret value (not the name of a Secret or of a key inside one). */
const SECRET_KEY = /(password|passwd|secret|token|private_?key|client_?key|tls\.key|bcrypt)/i;
const NAMES_A_SECRET = /(Name|Key|Ref|Namespace|existingSecret|createSecret|Mtime|_name|secret_type|secret-type|userKey|passwordKey)$/;
const REFERENCE = /^\$\{[^}]+\}$/;

interface Finding { path: string; value: string }

/** Walks JSON (and the YAML inside helm `values`) for secret-looking keys whose value is a literal. */
export function plaintextSecrets(node: unknown, path = ''): Finding[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => plaintextSecrets(v, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  const found: Finding[] = [];
  const obj = node as Json;
  // helm set / set_sensitive entries: { name, value }
  if (typeof obj.name === 'string' && typeof obj.value === 'string' && SECRET_KEY.test(obj.name) && !REFERENCE.test(obj.value)) found.push({ path: `${path}(${obj.name})`, value: obj.value });
  for (const [key, value] of Object.entries(obj)) {
    if (key === '//') continue; // cdktf metadata (construct paths), not configuration
    const here = `${path}.${key}`;
    if (key === 'values' && Array.isArray(value)) {
      value.forEach((doc, i) => typeof doc === 'string' && found.push(...plaintextSecrets(parse(doc), `${here}[${i}]`)));
      continue;
    }
    if (typeof value === 'string') {
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) found.push({ path: here, value: '(PEM private key)' });
      else if (SECRET_KEY.test(key) && !NAMES_A_SECRET.test(key) && !REFERENCE.test(value) && value !== '') found.push({ path: here, value });
    } else {
      found.push(...plaintextSecrets(value, here));
    }
  }
  return found;
}

describe.each(['dev', 'prod'] as const)('%s', (env) => {
  test('no literal password, key or token anywhere in the synthesized stack', () => {
    expect(plaintextSecrets(built(env).json)).toEqual([]);
  });

  test('the Grafana admin password is the random_password, the Argo CD one its bcrypt hash', () => {
    const { json } = built(env);
    const grafana = Object.values(json.resource.kubernetes_secret_v1 as Record<string, Json>).find((s) => s.metadata.name === 'grafana-admin')!;
    expect(grafana.data['admin-password']).toMatch(/^\$\{random_password\.[^.]+\.result\}$/);
    const argo = Object.values(json.resource.helm_release as Record<string, Json>).find((r) => r.name === 'argo-cd')!;
    expect(argo.set_sensitive).toEqual([{ name: 'configs.secret.argocdServerAdminPassword', type: 'string', value: expect.stringMatching(/^\$\{random_password\.[^.]+\.bcrypt_hash\}$/) }]);
  });

  test('password outputs are marked sensitive', () => {
    const outputs = built(env).json.output as Record<string, Json>;
    expect(outputs.argocd_admin_password!.sensitive).toBe(true);
    expect(outputs.grafana_admin_password!.sensitive).toBe(true);
  });
});

describe('the checker catches what it is meant to catch', () => {
  test('a literal password in a Secret, a set value and a values file', () => {
    const { stack, app } = build('dev');
    new SecretV1(stack, 'leak-secret', { metadata: { name: 'x' }, data: { password: 'hunter2' } });
    new Release(stack, 'leak-release', { name: 'x', chart: 'x', version: '1.0.0', set: [{ name: 'adminPassword', value: 'hunter2' }], values: ['grafana:\n  adminPassword: hunter2\n'] });
    void app;
    const findings = plaintextSecrets(JSON.parse(Testing.synth(stack)));
    expect(findings.map((f) => f.value)).toEqual(['hunter2', 'hunter2', 'hunter2']);
  });

  test('a PEM private key pasted anywhere', () => {
    expect(plaintextSecrets({ a: { b: '-----BEGIN EC PRIVATE KEY-----\nMHc...' } })).toHaveLength(1);
  });

  test('names of Secrets and keys are not secrets', () => {
    expect(plaintextSecrets({ existingSecret: 'grafana-admin', passwordKey: 'admin-password', secretName: 'tls', cloudConfigSecretName: 'azure-cloud-provider' })).toEqual([]);
  });
});
