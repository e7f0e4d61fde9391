import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { assertTerraformSafe, renderCloudInit } from '../../constructs/cluster/cloud-init';
import { renderReadinessGateScript } from '../../constructs/cluster/readiness-gate';
import { scriptPath } from '../../constructs/cluster/scripts';
import { decodeWriteFile, nodeProps, ROLES } from './render';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-cloud-init-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface WriteFile {
  path: string;
  permissions: string;
  encoding: string;
  content: string;
}

function render(role: (typeof ROLES)[number]) {
  const text = renderCloudInit(nodeProps(role));
  const doc = parse(text) as { write_files: WriteFile[]; runcmd: string[][]; ssh_pwauth: boolean };
  const files = Object.fromEntries(doc.write_files.map((f) => [f.path, decodeWriteFile(f)]));
  return { text, doc, files };
}

/** `cloud-init schema --config-file` on a document (async: the python start-up dominates, so files run in parallel). */
function cloudInitSchema(name: string, text: string): Promise<{ status: number; output: string }> {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return new Promise((resolve) => {
    execFile('cloud-init', ['schema', '--config-file', file], (error, stdout, stderr) => {
      resolve({ status: error ? ((error as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

const schemaResults = new Map<string, Promise<{ status: number; output: string }>>();
beforeAll(() => {
  for (const role of ROLES) {
    const text = renderCloudInit(nodeProps(role));
    schemaResults.set(role, cloudInitSchema(role, text));
    if (role === 'worker') schemaResults.set('broken', cloudInitSchema('broken', text.replace('encoding: b64', 'encoding: rot13')));
  }
});

/** Runs a validator as a child process; returns its exit code and output. */
function run(cmd: string, args: string[], input?: string) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.each(ROLES)('cloud-init of a %s node', (role) => {
  const { text, doc, files } = render(role);

  test('passes `cloud-init schema --config-file`', async () => {
    const r = await schemaResults.get(role)!;
    expect(r.output).toMatch(/Valid (schema|cloud-config)/);
    expect(r.status).toBe(0);
  });

  if (role === 'worker') {
    test('the schema check is real: a broken write_files entry fails it', async () => {
      const r = await schemaResults.get('broken')!;
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/rot13/);
    });
  }

  test('every embedded shell script passes shellcheck', () => {
    const scripts = Object.entries(files).filter(([, content]) => content.startsWith('#!/usr/bin/env bash') || content.startsWith('#!/bin/bash'));
    expect(scripts.map(([p]) => p).sort()).toEqual(
      role === 'worker' ? ['/usr/local/sbin/k8s-bootstrap', '/usr/local/sbin/kv-secret'] : ['/usr/local/sbin/k8s-bootstrap', '/usr/local/sbin/k8s-ensure-token', '/usr/local/sbin/kv-secret'],
    );
    for (const [file, content] of scripts) {
      const r = run('shellcheck', ['--shell=bash', '--severity=style', '-'], content);
      expect({ file, output: r.output, status: r.status }).toEqual({ file, output: '', status: 0 });
      expect(doc.write_files.find((f) => f.path === file)?.permissions).toBe('0755');
      // Scripts travel gzipped (the custom_data budget) and inflate to exactly the shellchecked source file.
      expect(doc.write_files.find((f) => f.path === file)?.encoding).toBe('gz+b64');
      // No timestamp, OS "unknown": the same bytes whichever machine synthesizes.
      expect([...Buffer.from(doc.write_files.find((f) => f.path === file)!.content, 'base64').subarray(4, 10)]).toEqual([0, 0, 0, 0, 2, 0xff]);
      expect(content).toBe(fs.readFileSync(scriptPath(`${path.basename(file)}.sh` as 'kv-secret.sh'), 'utf8'));
    }
  });

  test("cloud-init's own write_files module writes every file as the tests decode it (gz+b64 scripts executable)", () => {
    // /usr/bin/python3: the interpreter the cloud-init package installs its modules for.
    const root = path.join(tmp, `written-${role}`);
    const py = [
      'import os, sys, yaml',
      'from cloudinit.config import cc_write_files',
      'root, doc = sys.argv[1], yaml.safe_load(open(sys.argv[2]))',
      'files = [dict(f, path=os.path.join(root, f["path"].lstrip("/"))) for f in doc["write_files"]]',
      'cc_write_files.write_files("write_files", files, "root:root")',
    ].join('\n');
    const docFile = path.join(tmp, `written-${role}.yaml`);
    fs.writeFileSync(docFile, text);
    const r = spawnSync('/usr/bin/python3', ['-c', py, root, docFile], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const f of doc.write_files) {
      const written = path.join(root, f.path);
      expect({ path: f.path, content: fs.readFileSync(written, 'utf8') }).toEqual({ path: f.path, content: files[f.path] });
      expect((fs.statSync(written).mode & 0o777).toString(8)).toBe(f.permissions.replace(/^0/, ''));
    }
  });

  test('runs the bootstrap script once, with password SSH off, and kernel prerequisites in place', () => {
    expect(doc.runcmd).toEqual([['/usr/local/sbin/k8s-bootstrap']]);
    expect(doc.ssh_pwauth).toBe(false);
    expect(files['/etc/modules-load.d/kubernetes.conf']).toBe('overlay\nbr_netfilter\n');
    expect(files['/etc/sysctl.d/90-kubernetes.conf']).toContain('net.ipv4.ip_forward = 1');
    expect(files['/etc/sysctl.d/90-kubernetes.conf']).toContain('net.bridge.bridge-nf-call-iptables = 1');
  });

  test('carries no private key and no bootstrap token, only Key Vault secret names', () => {
    const everything = `${text}\n${Object.values(files).join('\n')}`;
    expect(everything).not.toMatch(/PRIVATE KEY-----\n[A-Za-z0-9+/]/);
    expect(everything).not.toMatch(/[a-z0-9]{6}\.[a-z0-9]{16}/);
    expect(files['/etc/k8s-bootstrap/node.env']).toContain('KV_SECRET_BOOTSTRAP_TOKEN=k8s-bootstrap-token');
    expect(files['/etc/k8s-bootstrap/kubeadm.yaml']).toContain('__BOOTSTRAP_TOKEN__');
  });

  test('CA keys are distributed to control planes only (from Key Vault), certificates travel in clear', () => {
    const paths = Object.keys(files);
    expect(paths).toContain('/etc/k8s-bootstrap/pki/ca.crt');
    if (role === 'worker') expect(paths).not.toContain('/etc/k8s-bootstrap/pki/sa.pub');
    else expect(paths).toEqual(expect.arrayContaining(['/etc/k8s-bootstrap/pki/front-proxy-ca.crt', '/etc/k8s-bootstrap/pki/etcd-ca.crt', '/etc/k8s-bootstrap/pki/sa.pub']));
  });

  test('fits Azure custom_data (65,535 characters of base64) with realistic certificate sizes', () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(1600)}\n-----END CERTIFICATE-----\n`;
    const props = nodeProps(role);
    const full = renderCloudInit({ ...props, pki: { caCertPem: pem, frontProxyCaCertPem: pem, etcdCaCertPem: pem, serviceAccountPublicKeyPem: pem } });
    expect(Buffer.from(full).toString('base64').length).toBeLessThan(55_000);
  });

  test('is safe inside a Terraform string (no quotes, backslashes or template sequences)', () => {
    expect(() => assertTerraformSafe(text, role)).not.toThrow();
    expect(() => assertTerraformSafe(`${text}"`, role)).toThrow(/outside Terraform references/);
    expect(() => assertTerraformSafe('a ${var.x}', role)).toThrow();
  });
});

describe('node scripts', () => {
  test('the script files and the readiness gate pass shellcheck', () => {
    const files = ['k8s-bootstrap.sh', 'kv-secret.sh', 'k8s-ensure-token.sh'].map((f) => scriptPath(f as 'kv-secret.sh'));
    execFileSync('shellcheck', ['--severity=style', ...files]);
    const gate = renderReadinessGateScript({ nodeName: 'vm-hyb-dev-cp-0', timeoutMinutes: 30, ensureToken: true, rotation: 3 });
    expect(run('shellcheck', ['--severity=style', '-'], gate)).toEqual({ status: 0, output: '' });
  });

  test('the readiness gate is bounded: timeout / 5 s polls, and fails loudly with the bootstrap log', () => {
    const gate = renderReadinessGateScript({ nodeName: 'vm-hyb-dev-cp-0', timeoutMinutes: 30, ensureToken: false, rotation: 1 });
    expect(gate).toContain('readonly ATTEMPTS=360');
    expect(gate).toContain('readonly SENTINEL=/var/lib/k8s-bootstrap/complete');
    expect(gate).toMatch(/tail -n 40 "\$LOG"/);
    expect(gate).toContain('exit 1');
    expect(() => renderReadinessGateScript({ nodeName: 'x', timeoutMinutes: 120, ensureToken: false, rotation: 1 })).toThrow(/allowed: 1-85/);
  });

  test('the bootstrap writes the sentinel only at the end and records failures with the step', () => {
    const script = fs.readFileSync(scriptPath('k8s-bootstrap.sh'), 'utf8');
    const main = script.slice(script.indexOf('main() {'));
    expect(main.indexOf('> "$SENTINEL"')).toBeGreaterThan(main.indexOf('verify'));
    expect(script).toMatch(/trap 'on_error \$\? \$LINENO "\$BASH_COMMAND"' ERR/);
    expect(script).toContain('step=%s');
    // containerd 1.x and 2.x: both defaults flipped, missing key appended under the runc options table.
    expect(script).toContain("sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'");
    expect(script).toContain('.runtimes\\.runc\\.options\\]$/a SystemdCgroup = true');
    // pkgs.k8s.io for the configured minor, exact patch pinned and held.
    expect(script).toContain('https://pkgs.k8s.io/core:/stable:/v${minor}/deb/');
    expect(script).toContain('"kubeadm=${K8S_VERSION}-*"');
    expect(script).toContain('apt-mark hold kubelet kubeadm kubectl');
    expect(script).toContain('swapoff -a');
  });

  test('no unsafe discovery anywhere in what the nodes run', () => {
    const all = [
      ...['k8s-bootstrap.sh', 'kv-secret.sh', 'k8s-ensure-token.sh', 'readiness-gate.sh'].map((f) => fs.readFileSync(scriptPath(f as 'kv-secret.sh'), 'utf8')),
      ...ROLES.map((role) => Object.values(render(role).files).join('\n')),
    ].join('\n');
    expect(all).not.toMatch(/unsafe-skip-ca-verification|unsafeSkipCAVerification/i);
    expect(all).not.toMatch(/--upload-certs|certificateKey/);
    expect(all).not.toMatch(/apt\.kubernetes\.io/);
  });
});
