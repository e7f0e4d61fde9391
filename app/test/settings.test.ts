import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { SettingsError, loadSettings, parseSettings, resolveToken } from '../src/settings';
import { parseRecords } from '../src/queue/records';

const example = () => parseYaml(readFileSync(join(__dirname, '..', 'settings.example.yaml'), 'utf8'));

function problems(input: unknown): string[] {
  try {
    parseSettings(input);
  } catch (e) {
    if (e instanceof SettingsError) return e.problems;
    throw e;
  }
  throw new Error('expected the settings to be rejected');
}

describe('settings', () => {
  it('accepts the shipped example and derives a policy version from the rules', () => {
    const s = parseSettings(example());
    expect(s.engineerList).toHaveLength(10);
    expect(s.policy.version).toMatch(/^ours-3\.[0-9a-f]{8}$/);
    const changed = example();
    changed.severities.B.minReadiness = 3;
    expect(parseSettings(changed).policy.version).not.toBe(s.policy.version);
  });

  it('rejects bad settings, reporting every problem with its path and value', () => {
    const bad = example();
    bad.pollIntervalSeconds = 1;
    bad.severities.A.minReadiness = 0;
    bad.severities.C.relaxable = 'yes';
    bad.engineers[1].shift.timezone = 'Mars/Olympus';
    bad.engineers[2].shift.start = '9am';
    bad.engineers[3].readiness.aks = 4;
    bad.engineers[4].id = 'alice';
    bad.engineers[5].shift.days = ['Monday'];
    bad.queue.perDay = -5;
    bad.colour = 'blue';
    const p = problems(bad);
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^pollIntervalSeconds: .*5.* \(got 1\)$/),
      expect.stringMatching(/^severities\.A\.minReadiness: .*1.* \(got 0\)$/),
      expect.stringMatching(/^severities\.C\.relaxable: .*boolean.* \(got "yes"\)$/),
      'engineers[1].shift.timezone: unknown IANA time zone (got "Mars/Olympus")',
      'engineers[2].shift.start: expected "HH:MM" (24-hour) (got "9am")',
      expect.stringMatching(/^engineers\[3\]\.readiness\.aks: .*3.* \(got 4\)$/),
      'engineers[4].id: duplicate engineer id "alice" (also engineers[0])',
      expect.stringMatching(/^engineers\[5\]\.shift\.days\[0\]: .*"Mon".* \(got "Monday"\)$/),
      expect.stringMatching(/^queue\.perDay: /),
      expect.stringMatching(/^\(root\): .*colour/),
    ]));
    expect(p).toHaveLength(10);
  });

  it('refuses tokens written into the file', () => {
    const bad = example();
    bad.queue = { type: 'http', url: 'https://q.example/cases', auth: { token: 's3cret' } };
    const p = problems(bad);
    expect(p).toContain('queue.auth.token: tokens are never read from settings.yaml: use tokenEnv or tokenFile (got "s3cret")');
  });

  it('reads tokens from the environment or a mounted secret file, and fails loudly when missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tok-'));
    writeFileSync(join(dir, 'token'), 'from-file\n');
    expect(resolveToken({ tokenEnv: 'Q_TOKEN' }, { Q_TOKEN: 'from-env' })).toBe('from-env');
    expect(resolveToken({ tokenEnv: 'Q_TOKEN', tokenFile: join(dir, 'token') }, {})).toBe('from-file');
    expect(() => resolveToken({ tokenEnv: 'Q_TOKEN' }, {})).toThrow('environment variable Q_TOKEN is not set');
  });

  it('reports an unreadable or invalid YAML file with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'settings-'));
    expect(() => loadSettings(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: 1 problem.*cannot read the file/s);
    writeFileSync(join(dir, 'bad.yaml'), 'queue: [unclosed');
    expect(() => loadSettings(join(dir, 'bad.yaml'))).toThrow(/not valid YAML/);
  });
});

describe('queue record validation', () => {
  it('maps fields, and skips each bad record with a reason', () => {
    const now = new Date('2026-01-05T10:00:00Z');
    const fields = { id: 'number', product: 'product.name', severity: 'sev', customer: 'account', createdAt: 'opened', status: 'state' };
    const { cases, rejects } = parseRecords(
      [
        { number: 101, product: { name: 'aks' }, sev: 'b', account: 'Contoso', opened: '2026-01-05T09:00:00Z', state: 'Closed' },
        { number: 102, product: { name: 'vm' }, sev: 'A', opened: '2026-01-05T09:30:00Z' },
        { number: 103, product: {}, sev: 'A', opened: '2026-01-05T09:30:00Z' },
        [1, 2],
      ],
      fields, ['closed'], now,
    );
    expect(cases).toEqual([
      { id: '101', product: 'aks', severity: 'B', customer: 'Contoso', createdAt: new Date('2026-01-05T09:00:00Z'), resolved: true },
      { id: '102', product: 'vm', severity: 'A', customer: '(unknown)', createdAt: new Date('2026-01-05T09:30:00Z'), resolved: false },
    ]);
    expect(rejects.map((r) => r.reason)).toEqual(['missing or invalid product.name', 'not an object']);
  });
});

describe('case-assigner check-settings', () => {
  const cli = (args: string[]) =>
    require('node:child_process').spawnSync(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, '..', 'src', 'cli.ts'), ...args], { encoding: 'utf8', timeout: 60_000 });

  it('exits 0 on the example and 1 with every problem and its path on bad settings', () => {
    expect(cli(['check-settings', '--settings', join(__dirname, '..', 'settings.example.yaml')]).status).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const bad = example();
    bad.severities.B.weight = 0;
    bad.engineers[0].capacity = 'lots';
    writeFileSync(join(dir, 'settings.yaml'), JSON.stringify(bad));
    const r = cli(['check-settings', '--settings', join(dir, 'settings.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('2 problem(s) in settings');
    expect(r.stderr).toMatch(/severities\.B\.weight: .*\(got 0\)/);
    expect(r.stderr).toMatch(/engineers\[0\]\.capacity: .*\(got "lots"\)/);
  });
});
