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

  it('refuses tokens written into the file, without ever echoing them (or credentials in URLs)', () => {
    const bad = example();
    bad.queue = { type: 'http', url: 'https://q.example/cases', auth: { token: 's3cret' } };
    bad.assignmentApi = { type: 'http', url: 'https://svc:hunter2@q.example:99999/assign?api-version=1&code=fnKey123' };
    bad.api = { auth: { mode: 'bearer', tokensFile: 'relative', apiToken: 'also-secret' } };
    const p = problems(bad);
    expect(p).toContain('queue.auth.token: tokens are never read from settings.yaml: use tokenEnv or tokenFile (got <redacted>)');
    expect(p.join('\n')).not.toMatch(/s3cret|hunter2|also-secret|fnKey123/);
    expect(p.join('\n')).toContain('<redacted>@q.example');
    expect(p.join('\n')).toContain('?api-version=<redacted>&code=<redacted>');
  });

  it('bounds and checks the runtime settings (reading, outbox, database, retention, api)', () => {
    const bad = example();
    Object.assign(bad, { reading: { maxPagesPerCycle: 0 }, outbox: { maxAttempts: 0 }, database: { lockTimeoutMs: 1 }, retention: { days: 7 }, api: { auth: { mode: 'bearer' } } });
    expect(problems(bad)).toEqual(expect.arrayContaining([
      'reading.maxPagesPerCycle: Too small: expected number to be >=1 (got 0)',
      'outbox.maxAttempts: Too small: expected number to be >=1 (got 0)',
      'database.lockTimeoutMs: Too small: expected number to be >=100 (got 1)',
      'retention.days: Too small: expected number to be >=30 (got 7)',
      'api.auth: mode bearer needs tokensFile or tokensEnv',
    ]));
    const s = parseSettings(example());
    expect(s).toMatchObject({ reading: { overlapSeconds: 120, maxPagesPerCycle: 50 }, outbox: { maxAttempts: 10 }, retention: { days: 400 }, api: { auth: { mode: 'none' } } });
  });

  it('normalizes product names in records and readiness keys alike (AKS = aks)', () => {
    const s = example();
    s.engineers[0].readiness = { ' AKS ': 3, 'Azure  Arc': 2 };
    const e = parseSettings(s).engineerList[0];
    expect(e.readiness).toEqual({ aks: 3, 'azure arc': 2 });
    const { cases } = parseRecords([{ id: 1, product: 'AKS', severity: 'A', createdAt: '2026-01-05T09:00:00Z' }], undefined, undefined, new Date('2026-01-05T10:00:00Z'));
    expect(cases[0].product).toBe('aks');
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
    // The YAML parser quotes the offending source line: a credential on it must not reach the pod log.
    writeFileSync(join(dir, 'leak.yaml'), 'queue:\n  url: https://user:hunter2-secret@q.example\n   bad: [\n');
    let msg = '';
    try {
      loadSettings(join(dir, 'leak.yaml'));
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/not valid YAML: .*line 2, column \d+/);
    expect(msg).not.toContain('hunter2-secret');
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

  it('skips records with NUL bytes or oversized ids instead of failing the whole page', () => {
    const now = new Date('2026-01-05T10:00:00Z');
    const ok = { product: 'aks', severity: 'A', createdAt: '2026-01-05T09:00:00Z' };
    const { cases, rejects } = parseRecords([{ ...ok, id: 'a\u0000b' }, { ...ok, id: 'x'.repeat(201) }, { ...ok, id: 'fine', customer: 'c'.repeat(5000) }], undefined, undefined, now);
    expect(rejects.map((r) => r.reason)).toEqual(['NUL byte in a field', 'missing or invalid id']);
    expect(cases.map((c) => [c.id, c.customer.length])).toEqual([['fine', 200]]);
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

  it('warns about readiness keys no queue product uses (--queue-products), and exits 0', () => {
    const r = cli(['check-settings', '--settings', join(__dirname, '..', 'settings.example.yaml'), '--queue-products', 'AKS,vm']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: readiness key "[^"]+" is not a product of the queue \(aks, vm\); used by \d+ engineer\(s\)/m);
    expect(r.stderr).not.toMatch(/readiness key "aks"/);
  });

  it('reads the products from one page of the queue API with --from-queue', async () => {
    const { FakeQueue } = await import('./support/fake-apis');
    const q = await new FakeQueue().start();
    q.put({ id: '1', product: 'AKS', severity: 'A', createdAt: '2026-01-05T09:00:00Z' }, Date.parse('2026-01-05T09:00:00Z'));
    q.put({ id: '2', product: 'Arc', severity: 'B', createdAt: '2026-01-05T09:00:00Z' }, Date.parse('2026-01-05T09:00:00Z'));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'cli-'));
      const s = example();
      s.queue = { type: 'http', url: `${q.url}/cases` };
      s.assignmentApi = { type: 'http', url: `${q.url}/assignments` };
      writeFileSync(join(dir, 'settings.yaml'), JSON.stringify(s));
      const child = require('node:child_process').spawn(process.execPath, ['-r', join(__dirname, '..', 'scripts', 'swc-register.js'), join(__dirname, '..', 'src', 'cli.ts'), 'check-settings', '--settings', join(dir, 'settings.yaml'), '--from-queue']);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(0);
      expect(stderr).toMatch(/readiness key "vm" is not a product of the queue \(aks, arc\)/);
    } finally {
      q.stop();
    }
  });

  it.each([
    [['serve', '--bogus'], "Unknown option '--bogus'"],
    [['assign'], 'assign needs --once'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['serve', '--port', 'abc'], '--port must be a port number'],
  ])('usage error %j: one line naming it, then the usage; exit 2, no stack trace', (args, line) => {
    const r = cli(args);
    expect(r.status).toBe(2);
    const first = r.stderr.split('\n')[0];
    expect(first).toContain(line);
    expect(r.stderr).toContain('usage: case-assigner <command>');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });
});
