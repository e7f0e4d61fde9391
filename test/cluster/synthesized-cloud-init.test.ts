import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { evaluateTerraformString } from './hcl-eval';
import { decodeWriteFile } from './render';
import { list, synthEnvironment } from './synth';

/**
 * The custom_data Terraform will send, evaluated from the synthesized JSON (references replaced by placeholders) and
 * checked like the renderer output: this catches escaping mistakes between TypeScript, cdktf and HCL.
 */
const PEM = '-----BEGIN CERTIFICATE-----\nPLACEHOLDER\n-----END CERTIFICATE-----\n';
const resolve = (ref: string): string => {
  if (/\.(cert_pem|public_key_pem)$/.test(ref)) return PEM;
  if (ref === 'local.key_vault_uri') return 'https://kv-hyb-dev-x.vault.azure.net/';
  if (/azurerm_user_assigned_identity\..*\.client_id$/.test(ref)) return '11111111-2222-3333-4444-555555555555';
  throw new Error(`unexpected reference in custom_data: ${ref}`);
};

describe.each(['dev', 'prod'] as const)('synthesized custom_data (%s)', (env) => {
  // Every dev node (init + workers) and a joining control plane from prod cover the three roles.
  const vms = list(synthEnvironment(env).stacks[`${env}-cluster`], 'azurerm_linux_virtual_machine').filter((vm) => env === 'dev' || vm.name.endsWith('cp-1'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `custom-data-${env}-`));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test.each(vms.map((vm) => [vm.name, vm]))('%s decodes to valid cloud-config with valid scripts and kubeadm documents', (name, vm) => {
    const base64 = evaluateTerraformString(vm.custom_data, resolve);
    expect(base64.length).toBeLessThan(65_535);
    const text = Buffer.from(base64, 'base64').toString('utf8');
    const file = path.join(tmp, `${name}.yaml`);
    fs.writeFileSync(file, text);
    expect(execFileSync('cloud-init', ['schema', '--config-file', file], { encoding: 'utf8' })).toMatch(/Valid/);

    const files = Object.fromEntries((parse(text).write_files as any[]).map((f) => [f.path, decodeWriteFile(f)]));
    expect(files['/etc/k8s-bootstrap/node.env']).toContain(`K8S_NODE_NAME=${name}\n`);
    expect(files['/etc/k8s-bootstrap/node.env']).toContain('KV_URI=https://kv-hyb-dev-x.vault.azure.net/\n');
    // A joining control plane joins after the one before it (ordered on the nodes); init and workers after nobody.
    const cp = /-cp-(\d+)$/.exec(name);
    const joinAfter = cp && cp[1] !== '0' ? name.replace(/-cp-\d+$/, `-cp-${Number(cp[1]) - 1}`) : '';
    expect(files['/etc/k8s-bootstrap/node.env']).toContain(`K8S_JOIN_AFTER=${joinAfter}\n`);
    expect(files['/etc/k8s-bootstrap/pki/ca.crt']).toBe(PEM);
    for (const script of ['/usr/local/sbin/k8s-bootstrap', '/usr/local/sbin/kv-secret']) {
      const r = spawnSync('shellcheck', ['--shell=bash', '-'], { input: files[script], encoding: 'utf8' });
      expect(r.stdout).toBe('');
    }
    const kinds = parseAllDocuments(files['/etc/k8s-bootstrap/kubeadm.yaml']).map((d) => d.toJS().kind);
    expect(kinds).toEqual(name.endsWith('cp-0') ? ['InitConfiguration', 'ClusterConfiguration', 'KubeletConfiguration', 'KubeProxyConfiguration'] : ['JoinConfiguration']);
  });
});
