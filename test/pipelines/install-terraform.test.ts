import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './support';

/**
 * pipelines/scripts/install-terraform.sh verifies the Terraform release on every use, cached or not, and never
 * runs a cached binary. Offline: a file:// mirror holds a stand-in release signed by a key generated here; the
 * script under test is a copy whose pinned fingerprint is that key's (the only change).
 */

const VERSION = '1.12.2';
const ARCH = process.arch === 'arm64' ? 'arm64' : 'amd64';
const ZIP = `terraform_${VERSION}_linux_${ARCH}.zip`;
const SUMS = `terraform_${VERSION}_SHA256SUMS`;
let dir: string;
let script: string;
let gnupg: string;

const sh = (cmd: string, args: string[], env: Record<string, string> = {}, cwd = dir) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH!, HOME: dir, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const gpg = (...args: string[]) => sh('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { GNUPGHOME: gnupg });

/** A stand-in terraform binary; the evil one leaves a file behind when run. */
function makeZip(target: string, body: string) {
  const stage = fs.mkdtempSync(path.join(dir, 'zip-'));
  fs.writeFileSync(path.join(stage, 'terraform'), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  fs.rmSync(target, { force: true });
  sh('zip', ['-q', '-X', target, 'terraform'], {}, stage);
}
function signSums(release: string) {
  const sum = sh('sha256sum', [ZIP], {}, release).trim();
  fs.writeFileSync(path.join(release, SUMS), `${sum}\n`);
  fs.rmSync(path.join(release, `${SUMS}.sig`), { force: true });
  gpg('--local-user', 'release@test.invalid', '--output', path.join(release, `${SUMS}.sig`), '--detach-sign', path.join(release, SUMS));
}
const EVIL = `touch "${'$'}{EVIL_MARK:?}"; echo "Terraform v${VERSION}"`;

function install(extra: Record<string, string> = {}) {
  const temp = fs.mkdtempSync(path.join(dir, 'agent-temp-'));
  const r = spawnSync('bash', [script, VERSION, path.join(dir, 'tools')], {
    cwd: dir, encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: dir, AGENT_TEMPDIRECTORY: temp, TERRAFORM_RELEASES_URL: `file://${dir}/mirror`, HASHICORP_KEY_URL: `file://${dir}/key.asc`, EVIL_MARK: path.join(dir, 'evil-ran'), ...extra },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, temp };
}
const cache = () => path.join(dir, 'tools', VERSION, `linux_${ARCH}`);
const offline = { TERRAFORM_RELEASES_URL: 'file:///nonexistent', HASHICORP_KEY_URL: 'file:///nonexistent' };

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'install-terraform-'));
  gnupg = path.join(dir, 'gnupg');
  fs.mkdirSync(gnupg, { mode: 0o700 });
  gpg('--quick-generate-key', 'Test Release <release@test.invalid>', 'ed25519', 'sign', '1d');
  const fpr = /^fpr:+([0-9A-F]{40}):/m.exec(sh('gpg', ['--batch', '--with-colons', '--fingerprint'], { GNUPGHOME: gnupg }))![1]!;
  fs.writeFileSync(path.join(dir, 'key.asc'), gpg('--armor', '--export', 'release@test.invalid'));
  const original = fs.readFileSync(path.join(REPO, 'pipelines/scripts/install-terraform.sh'), 'utf8');
  expect(original).toMatch(/^readonly HASHICORP_KEY_FINGERPRINT=C874011F0AB405110D02105534365D9472D7468F$/m);
  script = path.join(dir, 'install-terraform.sh');
  fs.writeFileSync(script, original.replace(/^readonly HASHICORP_KEY_FINGERPRINT=.*$/m, `readonly HASHICORP_KEY_FINGERPRINT=${fpr}`));
}, 60000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  fs.rmSync(path.join(dir, 'tools'), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'evil-ran'), { force: true });
  const release = path.join(dir, 'mirror', VERSION);
  fs.mkdirSync(release, { recursive: true });
  makeZip(path.join(release, ZIP), `echo "Terraform v${VERSION}"`);
  signSums(release);
});

test('the tools this test needs on a clean CI machine (gpg, zip) are installed by scripts/install-test-tools.sh', () => {
  const tools = fs.readFileSync(path.join(REPO, 'scripts/install-test-tools.sh'), 'utf8');
  const packages = /^packages=\(([^)]*)\)/m.exec(tools)![1]!.split(/\s+/);
  expect(packages).toEqual(expect.arrayContaining(['gnupg', 'zip']));
});

test('refuses anything but an x.y.z release', () => {
  const r = spawnSync('bash', [script, 'latest', path.join(dir, 'tools')], { encoding: 'utf8' });
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/"latest" is not a release version/);
});

test('downloads, verifies, and runs the binary from a directory of this job only', () => {
  const r = install();
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('downloaded and verified (signature + SHA-256)');
  expect(r.stdout).toContain(`##vso[task.prependpath]${path.join(r.temp, `terraform-${VERSION}`)}`);
  expect(r.stdout).toContain(`Terraform v${VERSION}`);
  expect(fs.readdirSync(cache()).sort()).toEqual(['hashicorp.asc', SUMS, `${SUMS}.sig`, ZIP].sort());
});

test('a verified cache is used without the network, and verified again', () => {
  expect(install().status).toBe(0);
  const r = install(offline);
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('cached release verified (signature + SHA-256)');
});

describe('a poisoned cache never runs (a pull-request job wrote it; the mirror is unreachable)', () => {
  beforeEach(() => {
    expect(install().status).toBe(0);
  });
  const refused = (r: ReturnType<typeof install>, why: RegExp) => {
    expect(r.stderr).toMatch(why);
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('prependpath');
    expect(fs.existsSync(path.join(dir, 'evil-ran'))).toBe(false);
  };

  test('a replaced zip fails its signed SHA-256', () => {
    makeZip(path.join(cache(), ZIP), EVIL);
    refused(install(offline), /does not match its SHA-256 in the signed/);
  });

  test('a replaced zip with a rewritten SHA256SUMS fails the signature', () => {
    makeZip(path.join(cache(), ZIP), EVIL);
    fs.writeFileSync(path.join(cache(), SUMS), `${sh('sha256sum', [ZIP], {}, cache()).trim()}\n`);
    refused(install(offline), /signature of .* does not verify/);
  });

  test('the attacker\'s own key and signature fail the pinned fingerprint', () => {
    const other = path.join(dir, 'gnupg-other');
    fs.mkdirSync(other, { mode: 0o700 });
    const og = (...a: string[]) => sh('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...a], { GNUPGHOME: other });
    og('--quick-generate-key', 'Mallory <m@test.invalid>', 'ed25519', 'sign', '1d');
    makeZip(path.join(cache(), ZIP), EVIL);
    fs.writeFileSync(path.join(cache(), SUMS), `${sh('sha256sum', [ZIP], {}, cache()).trim()}\n`);
    fs.rmSync(path.join(cache(), `${SUMS}.sig`));
    og('--output', path.join(cache(), `${SUMS}.sig`), '--detach-sign', path.join(cache(), SUMS));
    fs.writeFileSync(path.join(cache(), 'hashicorp.asc'), og('--armor', '--export', 'm@test.invalid'));
    refused(install(offline), /the key is not HashiCorp's release key/);
  });

  test('HashiCorp\'s key with the attacker\'s appended in the cached key file: the attacker\'s signature is refused', () => {
    // The fingerprint check passes (HashiCorp's key is there); only the signer's own fingerprint tells them apart.
    const other = path.join(dir, 'gnupg-appended');
    fs.mkdirSync(other, { mode: 0o700 });
    const og = (...a: string[]) => sh('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...a], { GNUPGHOME: other });
    og('--quick-generate-key', 'Mallory <m@test.invalid>', 'ed25519', 'sign', '1d');
    makeZip(path.join(cache(), ZIP), EVIL);
    fs.writeFileSync(path.join(cache(), SUMS), `${sh('sha256sum', [ZIP], {}, cache()).trim()}\n`);
    fs.rmSync(path.join(cache(), `${SUMS}.sig`));
    og('--output', path.join(cache(), `${SUMS}.sig`), '--detach-sign', path.join(cache(), SUMS));
    fs.appendFileSync(path.join(cache(), 'hashicorp.asc'), og('--armor', '--export', 'm@test.invalid'));
    refused(install(offline), /signature of .* does not verify with HashiCorp's key/);
  });

  test('a binary planted where older versions of this script cached it is never executed', () => {
    fs.writeFileSync(path.join(cache(), 'terraform'), `#!/usr/bin/env bash\n${EVIL}\n`, { mode: 0o755 });
    const r = install(offline);
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(dir, 'evil-ran'))).toBe(false);
  });

  test('with the mirror reachable, a poisoned cache is replaced by a verified download', () => {
    makeZip(path.join(cache(), ZIP), EVIL);
    const r = install();
    expect(r.stderr).toMatch(/discarding the cached copy/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('downloaded and verified');
    expect(fs.existsSync(path.join(dir, 'evil-ran'))).toBe(false);
  });
});
