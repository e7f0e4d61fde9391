/** The measurement commands (runbook, fixture capture script): shellcheck-clean, and what they capture is what the advisor reads. */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChurn } from '../../churn/cli';
import { runbook } from '../../handoff/documents';
import { parseTables } from '../../handoff/markdown';
import { handoffModel } from '../../handoff/model';
import { testConfig } from '../dns/fixtures';

const rows = parseTables(runbook(handoffModel(testConfig('dev')))).find((t) => t[0]![0] === 'Source server')!.slice(1);
// Cells are Markdown code spans.
const command = (source: string) => rows.find((r) => r[0] === source)![1]!.replace(/^`|`$/g, '');

describe('runbook: measuring churn before replication', () => {
  it('asks for iostat -dx 600 3, /proc/diskstats snapshots and typeperf with the counters the advisor reads', () => {
    expect(rows.map((r) => r[0])).toEqual(['Linux with sysstat', 'Linux without sysstat', 'Windows']);
    for (const r of rows) expect(r[1]).toMatch(/^`[^`]+`$/); // code spans: `*` and `\` stay literal
    expect(command('Linux with sysstat')).toBe('iostat -dx 600 3 > "$(hostname).iostat"');
    expect(command('Windows')).toContain('"\\PhysicalDisk(*)\\Disk Write Bytes/sec" "\\PhysicalDisk(*)\\Avg. Disk Bytes/Write"');
  });

  it('the Linux commands pass shellcheck', () => {
    for (const source of ['Linux with sysstat', 'Linux without sysstat']) {
      const r = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: `#!/usr/bin/env bash\n${command(source)}\n`, encoding: 'utf8' });
      expect(r.error).toBeUndefined();
      expect(r.stdout).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('the /proc/diskstats command, run here with a short sleep, gives a file the advisor reads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-runbook-'));
    execFileSync('bash', ['-c', command('Linux without sysstat').replace('sleep 600', 'sleep 0.2')], { cwd: dir });
    const [file] = fs.readdirSync(dir);
    expect(file).toBe(`${os.hostname()}.diskstats`);
    const r = runChurn(['--json', path.join(dir, file!)]);
    expect(r.stderr).toBe('');
    const server = JSON.parse(r.stdout).servers[0];
    expect(server).toMatchObject({ name: os.hostname(), format: 'diskstats', intervals: 3 });
    expect(server.measuredSeconds).toBeGreaterThan(0.5);
  });
});

describe('test/churn/fixtures/capture-linux.sh (how the real fixtures were captured)', () => {
  it('passes shellcheck', () => {
    const r = spawnSync('shellcheck', ['--severity=style', path.join(__dirname, 'fixtures', 'capture-linux.sh')], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});
