/** services.siteRecovery.expectedChurn: the design's process server and cache account against the measured load. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { runChurn } from '../../churn/cli';
import { expectedChurnSchema } from '../../config/schema/churn';
import { errorsAt, problemsAfter, rawEnvironment } from '../helpers/env';
import { synthesize } from '../../scripts/synth';

const AT = 'services.siteRecovery.expectedChurn';
const seedDisk = { device: 'sdb', avgMBps: 8.34, peakMBps: 8.56, avgWriteKB: 17 };
const warningsAt = (problems: ReturnType<typeof problemsAfter>, at: string) => problems.filter((p) => p.severity === 'warning' && p.path.startsWith(at));

describe('expectedChurn in the environment file', () => {
  it('accepts the seed server: one process server and one cache account take it', () => {
    const problems = problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { servers: [{ name: 'mysql01', disks: [seedDisk] }] }; });
    expect(errorsAt(problems, AT)).toEqual([]);
    expect(warningsAt(problems, AT)).toEqual([]);
  });

  it('rejects a load above 2 TB a day for the one process server, naming the servers and the limit', () => {
    const servers = ['mysql01', 'mysql02', 'mysql03', 'mysql04'].map((name) => ({ name, disks: [seedDisk] })); // 4 x 704 GB/day
    const [p, ...rest] = errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { servers }; }), AT);
    expect(rest).toEqual([]);
    expect(p!.path).toBe(AT);
    expect(p!.message).toBe('expected churn 2,815 GB/day is more than the 2,048 GB/day (2 TB each) of 1 process server(s) (192.168.20.10): 2 needed; largest: mysql01 704, mysql02 704, mysql03 704 GB/day');
    expect(p!.allowed).toMatch(/^at most 2,048 GB a day for 1 process server\(s\): split the servers over more replication appliances/);
  });

  it('rejects a VM above 54 MB/s peak, at the server that breaks it', () => {
    const servers = [{ name: 'app01', disks: [seedDisk] }, { name: 'etl01', vmPeakMBps: 61.5, disks: [{ device: 'sdb', avgMBps: 3 }] }];
    const [p] = errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { servers }; }), AT);
    expect(p).toMatchObject({ path: `${AT}.servers.1`, value: 'etl01', allowed: expect.stringMatching(/^at most 54 MB\/s per VM; no replica disk type fixes that/) });
    expect(p!.message).toBe("server etl01: peak churn across its disks 61.50 MB/s is above Site Recovery's 54 MB/s per VM");
  });

  it('rejects more disks than the v2 cache account takes (1,500 at 4 MB/s)', () => {
    const servers = Array.from({ length: 40 }, (_, i) => ({ name: `web${i}`, disks: Array.from({ length: 40 }, (_, d) => ({ device: `sd${String.fromCharCode(97 + (d % 26))}${d}`, avgMBps: 0.01 })) }));
    const found = errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { servers }; }), AT);
    expect(found.map((p) => p.message)).toEqual([expect.stringMatching(/^expected churn of 1600 disks needs 107% of a v2 cache storage account and the design has 1; largest: web0 /)]);
  });

  it('warns (does not fail) for a disk no replica disk type takes', () => {
    const problems = problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { servers: [{ name: 'dw01', disks: [{ device: 'sdc', avgMBps: 22, avgWriteKB: 64 }] }] }; });
    expect(errorsAt(problems, AT)).toEqual([]);
    expect(warningsAt(problems, AT)[0]!.message).toBe('server dw01 disk sdc: 22 MB/s is above every replica disk type (Premium P20+ (20 MB/s at 16 KB)): Site Recovery will raise high-churn errors');
  });

  it('reads the advisor JSON by path, and refuses a missing or foreign file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-cfg-'));
    const report = path.join(dir, 'churn.json');
    fs.writeFileSync(report, runChurn(['--json', path.join(__dirname, 'fixtures', 'seed-mysql01-iostat-dx-600-3.txt')]).stdout);
    expect(errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { advisorJson: report }; }), AT)).toEqual([]);

    // Relative paths resolve from the repository root, wherever synth runs from (the committed advisor output of the seed).
    const relative = problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { advisorJson: 'test/churn/fixtures/seed-advisor.json' }; });
    expect(errorsAt(relative, AT)).toEqual([]);

    const missing = errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { advisorJson: 'no/such/churn.json' }; }), AT);
    expect(missing).toEqual([expect.objectContaining({ path: `${AT}.advisorJson`, message: expect.stringMatching(/cannot read the churn advisor's JSON \(ENOENT\)/) })]);
    const foreign = path.join(dir, 'other.json');
    fs.writeFileSync(foreign, JSON.stringify({ servers: [{ name: 'x' }] }));
    expect(errorsAt(problemsAfter((env) => { env.services.siteRecovery.expectedChurn = { advisorJson: foreign }; }), AT)[0]!.message).toMatch(/is not the churn advisor's --json output: servers.0.vmPeakMBps/);
  });

  it('the schema wants exactly one of servers and advisorJson', () => {
    expect(expectedChurnSchema.safeParse({}).success).toBe(false);
    expect(expectedChurnSchema.safeParse({ advisorJson: 'a.json', servers: [{ name: 'a', disks: [seedDisk] }] }).error!.issues[0]!.message).toMatch(/exactly one of servers or advisorJson/);
    expect(expectedChurnSchema.safeParse({ servers: [{ name: 'a', disks: [{ device: 'sdb', avgMBps: -1 }] }] }).success).toBe(false);
  });
});

describe('synth', () => {
  it('fails for an overloaded design and writes nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-synth-'));
    const env = rawEnvironment('dev');
    env.services.siteRecovery.expectedChurn = { servers: ['db1', 'db2', 'db3', 'db4'].map((name) => ({ name, disks: [seedDisk] })) };
    fs.writeFileSync(path.join(dir, 'dev.yaml'), stringify(env));
    const out = path.join(dir, 'out');
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => { errors.push(m); });
    try {
      expect(synthesize(out, ['dev'], dir)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toMatch(/error at services.siteRecovery.expectedChurn: expected churn 2,815 GB\/day is more than the 2,048 GB\/day \(2 TB each\) of 1 process server\(s\) \(192.168.20.10\): 2 needed; largest: db1 704, db2 704, db3 704 GB\/day\n/);
    expect(errors.join('\n')).not.toMatch(/characters\)/); // printed whole, not cut by the error length cap
    expect(fs.existsSync(out)).toBe(false);
  });
});
