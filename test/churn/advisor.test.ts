/** The churn advisor: the seed's verdict, real captures against the bytes written, every parser's errors. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runChurn, JsonReport } from '../../churn/cli';

const FIX = path.join(__dirname, 'fixtures');
const fixture = (...p: string[]) => path.join(FIX, ...p);
const MB = 1024 * 1024;

function json(...args: string[]): JsonReport {
  const r = runChurn(['--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as JsonReport;
}

describe('the seed: mysql01, iostat -dx 600 3, 8543.60 wkB/s at 17 KB', () => {
  const seed = fixture('seed-mysql01-iostat-dx-600-3.txt');

  it('prints the verdict of the field case', () => {
    const r = runChurn([seed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sdb -> exceeds Standard (2 MB/s) and Premium P10/P15 (4 MB/s at 16 KB); fits Premium P20+ (20 MB/s); database server: consider DMS');
    expect(r.stdout).toMatch(/instead: database server: consider DMS .*binlog replication.*Why:/);
  });

  it('docs/migration.md shows the real, current output', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'migration.md'), 'utf8');
    // The page ran the command from the repository root: the file name in the output is relative to it.
    expect(doc).toContain(runChurn([seed]).stdout.split(seed).join('test/churn/fixtures/seed-mysql01-iostat-dx-600-3.txt').trimEnd());
  });

  it('gives the figures as JSON with the documented fields', () => {
    const report = json(seed);
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['servers', 'processServersNeeded', 'warnings']));
    const [server] = report.servers;
    expect(server).toMatchObject({ name: 'mysql01', database: true, databaseReason: 'name', intervals: 2, sinceBootReport: 'ignored' });
    const sdb = server!.disks.find((d) => d.device === 'sdb')!;
    // The since-boot report (3060.50 wkB/s) is left out: the two 600 s reports average 8543.60 wkB/s.
    expect(sdb.avgMBps).toBeCloseTo(8543.6 / 1024, 3);
    expect(sdb.peakMBps).toBeCloseTo(8766.05 / 1024, 3);
    expect(sdb.avgWriteKB).toBeCloseTo(17, 1);
    expect(sdb.dailyGB).toBeCloseTo((8543.6 / 1024) * 86400 / 1024, 0);
    expect(sdb.fits).toBe('Premium P20+');
    expect(sdb.exceeds.map((e) => [e.type, e.limitMBps, e.atIoKB])).toEqual([['Standard', 2, 8], ['Premium P10/P15', 4, 16]]);
    expect(server!.disks.map((d) => d.device)).toEqual(['sda', 'sdb']);
    expect(server!.ignoredDevices.map((d) => d.device)).toEqual(['dm-0', 'dm-1']);
    expect(server!.vmPeakMBps).toBeCloseTo((8766.05 + 44.1) / 1024, 3);
    expect(report.processServersNeeded).toBe(1);
    expect(report.prices).toBeNull();
  });

  it('without --database a name that is no database name gets no DMS advice; --database and --no-database decide', () => {
    expect(json('--server', 'app07', seed).servers[0]!.alternatives).toEqual([]);
    expect(json('--server', 'app07', '--database', seed).servers[0]).toMatchObject({ database: true, databaseReason: 'flag' });
    expect(json('--no-database', seed).servers[0]!.disks[1]!.verdict).toBe('exceeds Standard (2 MB/s) and Premium P10/P15 (4 MB/s at 16 KB); fits Premium P20+ (20 MB/s)');
  });

  it('says it does not know prices, and compares costs with a prices file', () => {
    expect(runChurn([seed]).stdout).toMatch(/prices: unknown \(none are shipped/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-'));
    const prices = path.join(dir, 'prices.json');
    fs.writeFileSync(prices, JSON.stringify({ currency: 'EUR', monthlyPerDisk: { Standard: 10, 'Premium P10/P15': 25, 'Premium P20+': 80 } }));
    const report = json('--prices', prices, seed);
    expect(report.prices).toMatchObject({ currency: 'EUR', fittingMonthly: 90, allStandardMonthly: 20, unpriced: [] });
    expect(runChurn(['--prices', prices, seed]).stdout).toMatch(/90\.00 on the lowest fitting types vs 20\.00 if all were Standard \(x4\.5\)/);
  });
});

describe('real captures from this machine under fio (test/churn/fixtures/real, capture-linux.sh)', () => {
  for (const run of ['vda-16k', 'vda-64k']) {
    const load = JSON.parse(fs.readFileSync(fixture('real', run, 'load.json'), 'utf8')) as { bytesWritten: number; blockSize: string };
    const blockKB = parseInt(load.blockSize, 10);

    it.each(['iostat-dx.txt', 'iostat-dxk.txt'])(`${run} %s: the write rate over the 1 s reports adds up to the bytes fio wrote (within 5%%)`, (file) => {
      const [server] = json(fixture('real', run, file)).servers;
      expect(server).toMatchObject({ name: 'vm', format: 'iostat', sinceBootReport: 'ignored', intervals: 13 });
      const vda = server!.disks.find((d) => d.device === 'vda')!;
      const written = vda.avgMBps * MB * server!.intervals; // 1-second intervals
      expect(Math.abs(written / load.bytesWritten - 1)).toBeLessThan(0.05);
      expect(Math.abs(vda.avgWriteKB! / blockKB - 1)).toBeLessThan(0.05);
    });

    it(`${run} /proc/diskstats: bytes and write size within 5% of what fio wrote`, () => {
      const [server] = json(fixture('real', run, 'diskstats.txt')).servers;
      expect(server).toMatchObject({ name: 'vm', format: 'diskstats', intervals: 2 });
      const vda = server!.disks.find((d) => d.device === 'vda')!;
      expect(Math.abs((vda.avgMBps * MB * server!.measuredSeconds!) / load.bytesWritten - 1)).toBeLessThan(0.05);
      expect(Math.abs(vda.avgWriteKB! / blockKB - 1)).toBeLessThan(0.05);
      expect(server!.ignoredDevices.map((d) => d.device).sort()).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'zram0']);
    });
  }

  it('the old sysstat layout (wsec/s + avgrq-sz, and -k wkB/s) of the same capture gives the same figures', () => {
    const reference = json(fixture('real', 'vda-64k', 'iostat-dx.txt')).servers[0]!.disks[0]!;
    for (const file of ['iostat-dx.txt', 'iostat-dxk.txt']) {
      const old = json(fixture('old-sysstat10-layout', file)).servers[0]!.disks[0]!;
      expect(old.avgMBps).toBeCloseTo(reference.avgMBps, 2);
      expect(old.avgWriteKB!).toBeCloseTo(reference.avgWriteKB!, 0);
      expect(old.fits).toBe(reference.fits);
    }
  });
});

describe('Windows perfmon / typeperf CSV', () => {
  it('reads Disk Write Bytes/sec and Avg. Disk Bytes/Write per PhysicalDisk instance, names the server from the counter path', () => {
    const [sql01] = json(fixture('perfmon', 'sql01-typeperf.csv')).servers;
    expect(sql01).toMatchObject({ name: 'SQL01', format: 'perfmon', database: true, intervals: 7 });
    expect(sql01!.ignoredDevices).toEqual([{ device: '_Total', reason: expect.stringMatching(/sum/) }]);
    const d = sql01!.disks.find((x) => x.device === '1 D:')!;
    const rates = [3355443.2, 3774873.6, 2936012.8, 4194304.0, 3145728.0, 3565158.4, 3460300.8];
    expect(d.avgMBps).toBeCloseTo(rates.reduce((a, b) => a + b) / rates.length / MB, 3);
    expect(d.peakMBps).toBeCloseTo(4, 3);
    expect(d.avgWriteKB!).toBeGreaterThan(61);
    expect(d.avgWriteKB!).toBeLessThan(64);
    expect(d.fits).toBe('Premium P10/P15');
    expect(d.verdict).toBe('exceeds Standard (2 MB/s); fits Premium P10/P15 (8 MB/s); database server: consider DMS');
  });

  it('reads a UTF-16 console capture with Disk Writes/sec and the typeperf trailer lines', () => {
    const [fs01] = json(fixture('perfmon', 'fs01-typeperf-console-utf16.csv')).servers;
    expect(fs01).toMatchObject({ name: 'FS01', database: false, intervals: 5, alternatives: [] });
    const e = fs01!.disks.find((x) => x.device === '1 E:')!;
    expect(e.avgWriteKB).toBeCloseTo(8, 2);
    expect(e.fits).toBe('Standard');
  });
});

describe('parser variants', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-var-'));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };

  it('sysstat 9 `iostat -x` (avg-cpu sections, no r_await/w_await, wsec/s) with LVM volumes', () => {
    const report = [
      'avg-cpu:  %user   %nice %system %iowait  %steal   %idle',
      '           0.33    0.00    0.12    0.35    0.00   99.21',
      '',
      'Device:         rrqm/s   wrqm/s     r/s     w/s   rsec/s   wsec/s avgrq-sz avgqu-sz   await  svctm  %util',
    ];
    const text = [
      'Linux 2.6.32-71.29.1.el6.x86_64 (db-legacy)     08/27/2012      _x86_64_        (2 CPU)',
      '',
      ...report, 'sda               0.02     1.09    0.03    1.27     1.06    16.18    13.24     0.01    7.32   5.41   0.70', 'dm-0              0.00     0.00    0.01    1.39     0.25    11.08     8.10     0.01    6.02   2.82   0.39', '',
      ...report, 'sda               0.00    10.00    1.00  400.00     8.00  9600.00    23.92     0.50    1.20   0.40  16.00', 'dm-0              0.00     0.00    1.00  410.00     8.00  9600.00    23.38     0.50    1.20   0.40  16.10', '',
    ].join('\n');
    const [server] = json(write('rhel6.txt', text)).servers;
    expect(server).toMatchObject({ name: 'db-legacy', database: true, intervals: 1, sinceBootReport: 'ignored' });
    expect(server!.disks).toEqual([expect.objectContaining({ device: 'sda', avgMBps: Number(((9600 * 512) / 1024 / 1024).toFixed(3)), avgWriteKB: 12 })]);
    expect(server!.ignoredDevices.map((d) => d.device)).toEqual(['dm-0']);
  });

  it('iostat -t timestamps and a comma decimal locale', () => {
    const header = 'Device            r/s     rkB/s     w/s     wkB/s wareq-sz';
    const text = ['Linux 6.1.0 (app3) \t12/02/2026 \t_x86_64_\t(4 CPU)', '', '12/02/2026 08:00:00 AM', header, 'vdb 1,00 2,00 100,00 1600,00 16,00', '', '12/02/2026 08:10:00 AM', header, 'vdb 1,00 2,00 200,00 3200,00 16,00', ''].join('\n');
    const [server] = json(write('comma.txt', text)).servers;
    expect(server!.disks[0]).toMatchObject({ device: 'vdb', avgMBps: 3.125, avgWriteKB: 16, fits: 'Premium P10/P15' });
  });

  it('a single since-boot iostat report is used but flagged; --no-boot-report keeps the first report', () => {
    const text = ['Linux 6.1.0 (app4) \t12/02/2026', '', 'Device w/s wkB/s', 'vdb 10.00 1024.00', ''].join('\n');
    const only = json(write('once.txt', text));
    expect(only.servers[0]).toMatchObject({ sinceBootReport: 'only-report', intervals: 1 });
    expect(only.warnings).toEqual([expect.stringMatching(/only one iostat report, which covers the time since boot/)]);
    expect(json('--no-boot-report', write('y.txt', text)).servers[0]).toMatchObject({ sinceBootReport: 'none', intervals: 1 });
  });

  it('a perfmon CSV collected from several hosts gives one server each; --server cannot name it', () => {
    const h = (host: string, c: string) => `"\\\\${host}\\PhysicalDisk(0 C:)\\${c}"`;
    const text = [`"(PDH-CSV 4.0) (UTC)(0)",${h('WEB1', 'Disk Write Bytes/sec')},${h('WEB2', 'Disk Write Bytes/sec')}`, '"01/01/2024 00:00:00.000","1048576","2097152"', ''].join('\r\n');
    const f = write('two.csv', text);
    expect(json(f).servers.map((s) => [s.name, s.disks[0]!.avgMBps, s.disks[0]!.avgWriteKB])).toEqual([['WEB1', 1, null], ['WEB2', 2, null]]);
    expect(json(f).warnings).toEqual([expect.stringMatching(/WEB1 0 C:: the write size is unknown/), expect.stringMatching(/WEB2 0 C:: the write size is unknown/)]);
    expect(runChurn(['--server', 'x', f]).stderr).toMatch(/--server x cannot name a file that holds 2 hosts \(WEB1, WEB2\)/);
  });

  it('diskstats: a counter that went down (reboot) skips that interval with a warning', () => {
    const text = ['# host: db9', '1700000000', '   8 0 sda 0 0 0 0 100 0 2048 0 0 0 0', '1700000010', '   8 0 sda 0 0 0 0 10 0 200 0 0 0 0', '1700000020', '   8 0 sda 0 0 0 0 110 0 20200 0 0 0 0', ''].join('\n');
    const report = json(write('reboot.txt', text));
    expect(report.servers[0]!.disks[0]).toMatchObject({ device: 'sda', avgWriteKB: 100 });
    expect(report.warnings).toEqual([expect.stringMatching(/sda: counters went down between lines 2 and 4 \(reboot or counter wrap\)/)]);
  });
});

describe('the whole set', () => {
  it('counts process servers at 2 TB a day and the v2 cache account share', () => {
    // 12 copies of a 20 MB/s disk = 240 MB/s = 20,250 GB/day: 10 process servers; 240/6000 of a v2 account.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-'));
    const files: string[] = [];
    for (let i = 0; i < 12; i++) {
      const f = path.join(dir, `db${i}.txt`);
      fs.writeFileSync(f, ['Device            w/s     wkB/s', 'sdb  1.00 1.00', '', 'Device            w/s     wkB/s', 'sdb  1280.00 20480.00', ''].join('\n'));
      files.push('--server', `srv${i}`, f);
    }
    const report = json(...files);
    expect(report.totalDailyGB).toBeCloseTo(12 * 20 * 86400 / 1024, 0);
    expect(report.processServersNeeded).toBe(10);
    expect(report.cacheStorage).toMatchObject({ account: 'StorageV2', disks: 12, accountShare: 0.04, accountsNeeded: 1 });
    expect(report.servers[0]!.disks[0]!.fits).toBe('Premium P20+');
  });
});

describe('malformed input: a clear error naming the file and the line, no stack trace', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'churn-bad-'));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  const header = 'Device            r/s     rkB/s     w/s     wkB/s wareq-sz';
  const cases: Array<[string, string, RegExp]> = [
    ['short-row.txt', `Linux 5.15 (db1) \t01/01/24\n\n${header}\nsda 1.00 2.00 3.00\n`, /short-row\.txt:4: expected 6 columns as in the Device header on line 3, found 4/],
    ['not-a-number.txt', `${header}\nsda 1.00 2.00 abc 4.00 5.00\n`, /not-a-number\.txt:2: device sda: w\/s "abc"/],
    ['plain-iostat-d.txt', 'Device             tps    kB_read/s    kB_wrtn/s    kB_read    kB_wrtn\nsda 1 2 3 4 5\n', /plain-iostat-d\.txt:1: .*no w\/s and wkB\/s.*iostat -dx 600 3/],
    ['stray-line.txt', `${header}\nsda 1 2 3 4 5\n\nsomething else\n`, /stray-line\.txt:4: unexpected line outside an iostat report/],
    ['diskstats-no-time.txt', '# host: db1\n   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n', /diskstats-no-time\.txt:2: a \/proc\/diskstats row before any timestamp line/],
    ['diskstats-one.txt', '1700000000.5\n   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n', /diskstats-one\.txt: 1 timestamped snapshot\(s\): at least two/],
    ['diskstats-garbage.txt', '1700000000.5\n   8       0 sda 1 2 3 4 5 6 7 8 9 10 11\n1700000600\nsda written 5\n', /diskstats-garbage\.txt:4: neither a timestamp/],
    ['diskstats-backwards.txt', '1700000600\n   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n1700000000\n', /diskstats-backwards\.txt:3: timestamp 1700000000 is not after/],
    ['perfmon-count.csv', '"(PDH-CSV 4.0)","\\\\H\\PhysicalDisk(0 C:)\\Disk Write Bytes/sec"\n"01/01/2024 00:00:00.000","1","2"\n', /perfmon-count\.csv:2: expected 2 values as in the header line 1, found 3/],
    ['perfmon-value.csv', '"(PDH-CSV 4.0)","\\\\H\\PhysicalDisk(0 C:)\\Disk Write Bytes/sec"\n"01/01/2024 00:00:00.000","12x"\n', /perfmon-value\.csv:2: .*Disk Write Bytes\/sec: "12x" is not a non-negative number/],
    ['perfmon-quote.csv', '"(PDH-CSV 4.0)","\\\\H\\PhysicalDisk(0 C:)\\Disk Write Bytes/sec"\n"01/01/2024 00:00:00.000","12\n', /perfmon-quote\.csv:2: unterminated quoted value/],
    ['perfmon-counters.csv', '"(PDH-CSV 4.0)","\\\\H\\Processor(_Total)\\% Processor Time"\n"01/01/2024 00:00:00.000","12"\n', /perfmon-counters\.csv:1: no \\PhysicalDisk\(\*\)\\Disk Write Bytes\/sec column/],
    ['unknown.txt', '\nhello world\n', /unknown\.txt:2: unrecognised capture/],
    ['empty.txt', '', /empty\.txt: the file is empty/],
  ];
  it.each(cases)('%s', (name, text, message) => {
    const r = runChurn([write(name, text)]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a missing file, a bad prices file, duplicate servers and misplaced options are refused', () => {
    expect(runChurn([path.join(dir, 'nope.txt')]).stderr).toMatch(/nope\.txt: cannot read the file \(ENOENT\)/);
    const good = fixture('seed-mysql01-iostat-dx-600-3.txt');
    const prices = write('prices.json', '{\n  "currency": "EUR",\n  "monthlyPerDisk": {"Standard": 10,}\n}\n');
    expect(runChurn(['--prices', prices, good]).stderr).toMatch(/prices\.json:3: not valid JSON/);
    expect(runChurn(['--prices', write('p2.json', '{"currency":"EUR","monthlyPerDisk":{"Standard":1}}'), good]).stderr).toMatch(/monthlyPerDisk\["Premium P10\/P15"\] must be a non-negative number/);
    expect(runChurn([good, good]).stderr).toMatch(/server mysql01 is also measured by .*--server NAME/);
    expect(runChurn([good, '--server']).stderr).toMatch(/--server needs a value/);
    expect(runChurn([good, '--database']).stderr).toMatch(/must come before the file/);
    expect(runChurn(['--frobnicate', good]).code).toBe(2);
  });
});
