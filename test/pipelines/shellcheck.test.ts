import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { entryPipelines, expandPipeline, inlineScripts, loadPipelineYaml, pipelineFiles, REPO } from './support';

/**
 * shellcheck (installed: /usr/bin/shellcheck) on every bash script the pipelines run: the inline `script:` /
 * `bash:` / AzureCLI@2 inline steps, extracted from the YAML, and the script files in pipelines/scripts and scripts/.
 */

const SCRIPT_FILES = ['scripts/bootstrap-state.sh', ...fs.readdirSync(path.join(REPO, 'pipelines/scripts')).filter((f) => f.endsWith('.sh')).map((f) => `pipelines/scripts/${f}`)];

function shellcheck(args: string[], cwd = REPO): { status: number | null; output: string } {
  const r = spawnSync('shellcheck', args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

// Inline scripts from every file as written and from the expanded entry pipelines (same scripts, deduplicated).
const inline = [
  ...pipelineFiles().flatMap((f) => inlineScripts(loadPipelineYaml(f), f)),
  ...entryPipelines().flatMap((f) => inlineScripts(expandPipeline(f), f)),
].filter((s, i, all) => all.findIndex((o) => o.body === s.body) === i);

test('shellcheck is installed', () => {
  expect(execFileSync('shellcheck', ['--version'], { encoding: 'utf8' })).toMatch(/version: \d+\.\d+/);
});

test('the pipelines have inline bash to check', () => {
  expect(inline.length).toBeGreaterThanOrEqual(4);
});

describe('inline bash in the pipelines', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inline-bash-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(inline.map((s) => [s.where, s] as const))('%s passes shellcheck', (_where, script) => {
    // The agent runs `script:` with bash on Linux; shellcheck needs the shell named.
    const file = path.join(dir, 'step.sh');
    fs.writeFileSync(file, `#!/usr/bin/env bash\n${script.body}`);
    const { status, output } = shellcheck(['--shell=bash', '--severity=style', file]);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  test.each(inline.map((s) => [s.where, s] as const))('%s fails fast and takes values from env, not $(macro) text', (_where, script) => {
    expect(script.body.trimStart().startsWith('set -euo pipefail')).toBe(true);
    // $(Build.X) would be pasted into the script text before bash runs: quoting bugs and secrets in logs.
    expect(script.body).not.toMatch(/\$\([A-Za-z]+\.[A-Za-z.]+\)/);
  });
});

describe('script files', () => {
  test.each(SCRIPT_FILES)('%s passes shellcheck (following sourced files)', (file) => {
    expect(fs.existsSync(path.join(REPO, file))).toBe(true);
    const { status, output } = shellcheck(['--external-sources', '--severity=style', file]);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  test('the check is real: a script with an unquoted expansion fails', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-bash-'));
    try {
      fs.writeFileSync(path.join(dir, 'bad.sh'), '#!/usr/bin/env bash\nrm -rf $1/*\n');
      const { status, output } = shellcheck(['bad.sh'], dir);
      expect(status).not.toBe(0);
      expect(output).toMatch(/SC2086/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
