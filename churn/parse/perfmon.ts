import { ChurnInputError } from '../errors';
import { truncate } from './iostat';
import type { DeviceInterval, Interval, ParsedFile, ServerCapture } from './types';

/**
 * Windows performance counters as CSV (PDH-CSV 4.0), from typeperf or `relog x.blg -f csv`:
 *   "(PDH-CSV 4.0) (Coordinated Universal Time)(0)","\\SQL01\PhysicalDisk(0 C:)\Disk Write Bytes/sec",...
 *   "12/02/2026 09:00:00.123","8748646.4","17408.0",...
 * Every value is quoted; a blank value (" ") means no sample (typeperf's first sample of a rate counter).
 * Used counters (English names): PhysicalDisk Disk Write Bytes/sec (required), Avg. Disk Bytes/Write or Disk
 * Writes/sec (for the write size). `_Total` is the sum of the disks and is dropped by the device filter. The
 * host in the counter path names the server; one file may hold several hosts (remote collection).
 * Rows are equally spaced samples (-si), so averages are plain means over the samples.
 */
export function parsePerfmon(file: string, text: string): ParsedFile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  const header = parseCsvLine(file, headerIndex + 1, lines[headerIndex] ?? '');
  if (!/^\(PDH-CSV/i.test(header[0] ?? '')) {
    throw new ChurnInputError(file, headerIndex + 1, 'a perfmon CSV starts with the "(PDH-CSV 4.0) ..." header line: export with typeperf -f CSV or relog -f csv');
  }
  type Kind = 'bytes' | 'size' | 'writes';
  const columns = new Map<number, { host: string; device: string; kind: Kind }>();
  header.forEach((path, i) => {
    const m = /^\\\\([^\\]+)\\PhysicalDisk\((.+)\)\\(.+)$/i.exec(path);
    if (!m) return;
    const counter = m[3]!.toLowerCase();
    const kind: Kind | undefined = counter === 'disk write bytes/sec' ? 'bytes' : counter === 'avg. disk bytes/write' ? 'size' : counter === 'disk writes/sec' ? 'writes' : undefined;
    if (kind) columns.set(i, { host: m[1]!, device: m[2]!, kind });
  });
  if (![...columns.values()].some((c) => c.kind === 'bytes')) {
    throw new ChurnInputError(
      file,
      headerIndex + 1,
      'no \\PhysicalDisk(*)\\Disk Write Bytes/sec column: collect typeperf "\\PhysicalDisk(*)\\Disk Write Bytes/sec" "\\PhysicalDisk(*)\\Avg. Disk Bytes/Write" (English counter names)',
    );
  }
  const hosts = [...new Set([...columns.values()].map((c) => c.host))];
  const perHost = new Map<string, Interval[]>(hosts.map((h) => [h, []]));
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    // typeperf writing to the console ends with these two lines.
    if (line === '' || /^Exiting, please wait/i.test(line) || /^The command completed successfully/i.test(line)) continue;
    const cells = parseCsvLine(file, n, line);
    if (cells.length !== header.length) {
      throw new ChurnInputError(file, n, `expected ${header.length} values as in the header line ${headerIndex + 1}, found ${cells.length}`);
    }
    const values = new Map<string, { bytes?: number; size?: number; writes?: number }>();
    for (const [index, col] of columns) {
      const cell = cells[index]!.trim();
      if (cell === '') continue;
      if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(cell) || Number(cell) < 0) {
        throw new ChurnInputError(file, n, `${header[index]}: "${truncate(cell, 40)}" is not a non-negative number`);
      }
      const key = `${col.host}\u0000${col.device}`;
      values.set(key, { ...values.get(key), [col.kind]: Number(cell) });
    }
    for (const host of hosts) {
      const devices = new Map<string, DeviceInterval>();
      for (const [key, v] of values) {
        const [h, device] = key.split('\u0000') as [string, string];
        if (h !== host || v.bytes === undefined) continue;
        const writesPerSec = v.writes ?? (v.size !== undefined ? (v.size > 0 ? v.bytes / v.size : 0) : undefined);
        devices.set(device, writesPerSec === undefined ? { bytesPerSec: v.bytes } : { bytesPerSec: v.bytes, writesPerSec });
      }
      if (devices.size > 0) perHost.get(host)!.push({ devices });
    }
  }
  const servers: ServerCapture[] = hosts.map((host) => ({ host, intervals: perHost.get(host)!, absentMeansIdle: false }));
  if (servers.every((s) => s.intervals.length === 0)) throw new ChurnInputError(file, undefined, 'no sample rows with values after the header');
  return { file, format: 'perfmon', servers: servers.filter((s) => s.intervals.length > 0), warnings: [] };
}

/** One CSV record on one line (perfmon never breaks lines inside values): quoted or bare cells, "" escapes a quote. */
export function parseCsvLine(file: string, lineNo: number, line: string): string[] {
  const cells: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new ChurnInputError(file, lineNo, 'unterminated quoted value');
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      cells.push(value);
      if (i < line.length && line[i] !== ',') throw new ChurnInputError(file, lineNo, `expected a comma after a quoted value at column ${i + 1}`);
      i++;
    } else {
      const end = line.indexOf(',', i);
      cells.push(end < 0 ? line.slice(i) : line.slice(i, end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return cells;
}
