// The tool's image build: pipelines/templates/job-build-images.yml (schema-valid, as written and expanded) and
// pipelines/scripts/build-images.sh (shellcheck, and its behaviour against stand-ins for az and docker in a
// throwaway Git repository: the commit the values file names is built from a worktree of exactly that commit,
// tagged with it, pushed; a tag already in the registry is not rebuilt; a tag that is not a commit is refused).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandTemplate, loadPipelineYaml, schemaErrors, templateKind, withPlaceholders } from '../pipelines/support';

const ROOT = path.join(__dirname, '..', '..');
const TEMPLATE = 'pipelines/templates/job-build-images.yml';
const SCRIPT = path.join(ROOT, 'pipelines', 'scripts', 'build-images.sh');

describe('job-build-images.yml', () => {
  test('validates against the Azure Pipelines schema as written', () => {
    const doc = loadPipelineYaml(TEMPLATE);
    expect(templateKind(doc)).toBe('jobsTemplate');
    expect(schemaErrors(withPlaceholders(doc), 'jobsTemplate')).toEqual([]);
  });

  test('expanded for dev: the script runs with the environment and its registry, on a full-history checkout', () => {
    const jobs = expandTemplate(TEMPLATE, { environment: 'dev', registryName: 'crhybdevd7k2', pool: { name: 'hybrid-dev-agents' } });
    expect(schemaErrors(jobs, 'jobsTemplate')).toEqual([]);
    const text = JSON.stringify(jobs);
    expect(text).toContain('"arguments":"dev crhybdevd7k2"');
    expect(text).toContain('"fetchDepth":"0"');
    expect(text).toContain('"azureSubscription":"azure-hybrid-dev-deploy"');
  });
});

describe('build-images.sh', () => {
  let dir: string;
  let repo: string;
  let bin: string;
  let commit: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  const values = (tag: string) => `# dev\nimage:\n  # the commit\n  tag: "${tag}"\nsecret:\n  tag: not-this-one\n`;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-images-'));
    repo = path.join(dir, 'repo');
    bin = path.join(dir, 'bin');
    for (const d of ['pipelines/scripts', 'charts/case-assigner/ci', 'app/web']) fs.mkdirSync(path.join(repo, d), { recursive: true });
    fs.mkdirSync(bin);
    fs.copyFileSync(SCRIPT, path.join(repo, 'pipelines/scripts/build-images.sh'));
    fs.writeFileSync(path.join(repo, 'app/Dockerfile'), 'FROM scratch\n');
    fs.writeFileSync(path.join(repo, 'app/web/Dockerfile'), 'FROM scratch\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'the built commit');
    commit = git('rev-parse', 'HEAD');
    // A later commit moves the tag; the build must use the tagged commit's tree, not this one.
    fs.writeFileSync(path.join(repo, 'app/Dockerfile'), 'FROM scratch\n# newer\n');
    fs.writeFileSync(path.join(repo, 'charts/case-assigner/ci/dev-values.yaml'), values(commit));
    git('add', '.');
    git('commit', '-q', '-m', 'deploy it to dev');
    // Stand-ins: az answers from the registry in $FAKE_EXISTING; docker records what it is asked to do.
    fs.writeFileSync(path.join(bin, 'az'), `#!/usr/bin/env bash
echo "az $*" >> "$CALLS"
case "$1 $2" in
  "acr show") echo crhybdevd7k2.azurecr.io ;;
  "acr login") ;;
  "acr repository") [[ " $* " == *" --image $FAKE_EXISTING "* ]] || exit 3 ;;
esac
`);
    fs.writeFileSync(path.join(bin, 'docker'), `#!/usr/bin/env bash
echo "docker $*" >> "$CALLS"
if [[ "$1" == build ]]; then for a in "$@"; do [[ "$a" == --file ]] && want=1 && continue; [[ -n "\${want:-}" ]] && cp "$a" "$CALLS.dockerfile.$(basename "$(dirname "$a")")" && want=; done; fi
exit 0
`);
    fs.chmodSync(path.join(bin, 'az'), 0o755);
    fs.chmodSync(path.join(bin, 'docker'), 0o755);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (existing: string, ...args: string[]) => {
    const calls = path.join(dir, `calls-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(calls, '');
    const r = spawnSync('bash', [path.join(repo, 'pipelines/scripts/build-images.sh'), ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, FAKE_EXISTING: existing } });
    return { ...r, calls: fs.readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean), dockerfileApp: fs.existsSync(`${calls}.dockerfile.app`) ? fs.readFileSync(`${calls}.dockerfile.app`, 'utf8') : undefined };
  };

  test('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', [SCRIPT], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('builds both images of the tagged commit (its tree, not the tip), tags them with it and pushes; the web image already there is skipped', () => {
    const r = run(`case-assigner-web:${commit}`, 'dev', 'crhybdevd7k2');
    expect(r.stderr).toContain(`case-assigner-web:${commit} already in the registry: not rebuilt`);
    expect(r.status).toBe(0);
    const docker = r.calls.filter((c) => c.startsWith('docker '));
    expect(docker).toHaveLength(2);
    expect(docker[0]).toMatch(new RegExp(`^docker build --file \\S+/src/app/Dockerfile --tag crhybdevd7k2\\.azurecr\\.io/case-assigner:${commit} --label org\\.opencontainers\\.image\\.revision=${commit} `));
    expect(docker[1]).toBe(`docker push crhybdevd7k2.azurecr.io/case-assigner:${commit}`);
    expect(r.dockerfileApp).toBe('FROM scratch\n');
    expect(r.stdout).toContain(`##vso[task.setvariable variable=CASE_ASSIGNER_IMAGE]crhybdevd7k2.azurecr.io/case-assigner:${commit}`);
    // The temporary worktree is gone.
    expect(git('worktree', 'list').split('\n')).toHaveLength(1);
  });

  test('refuses a tag that is not a full commit id, or a commit the clone does not have, before touching the registry', () => {
    fs.writeFileSync(path.join(repo, 'charts/case-assigner/ci/dev-values.yaml'), values('0.1.0'));
    const notCommit = run('', 'dev', 'crhybdevd7k2');
    expect(notCommit.status).toBe(1);
    expect(notCommit.stderr).toMatch(/image\.tag in \S+ is '0\.1\.0'; allowed: a full 40-character commit id/);
    fs.writeFileSync(path.join(repo, 'charts/case-assigner/ci/dev-values.yaml'), values('f'.repeat(40)));
    const missing = run('', 'dev', 'crhybdevd7k2');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/commit f{40} is not in this clone/);
    expect([...notCommit.calls, ...missing.calls]).toEqual([]);
    fs.writeFileSync(path.join(repo, 'charts/case-assigner/ci/dev-values.yaml'), values(commit));
  });

  test('refuses an unknown environment and a malformed registry name', () => {
    expect(run('', 'qa', 'crhybdevd7k2').stderr).toMatch(/ci\/qa-values\.yaml not found/);
    expect(run('', 'dev', 'not_a-registry!').stderr).toMatch(/is not an Azure Container Registry name/);
  });
});
