import { ChurnInputError } from '../errors';
import { parseDecimal } from './numbers';
import type { DeviceInterval, Interval, ParsedFile, ParseOptions } from './types';

/**
 * `iostat -dx [interval [count]]` output, any sysstat version:
 * - sysstat >= 12: `Device r/s rkB/s ... w/s wkB/s wrqm/s %wrqm w_await wareq-sz ...` (kB/s is the default unit);
 * - older: `Device: rrqm/s wrqm/s r/s w/s rsec/s wsec/s avgrq-sz ...` (`-k` gives rkB/s wkB/s, `-m` rMB/s wMB/s).
 * The write size is computed from the write rate and w/s in every case: `wareq-sz` is exactly that quotient, and
 * the old `avgrq-sz` mixes reads and writes (in 512-byte sectors), so it cannot give the write size.
 * Each `Device` header starts a report; the first report covers the time since boot (unless iostat ran with -y).
 * `avg-cpu` sections (iostat -x without -d) and `-t` timestamp lines are skipped.
 */
export function parseIostat(file: string, text: string, options: ParseOptions = {}): ParsedFile {
  const lines = text.split(/\r?\n/);
  let host: string | undefined;
  const reports: Array<{ line: number; devices: Map<string, DeviceInterval> }> = [];
  let header: { line: number; columns: string[]; w: number; bytes: number; unit: number } | undefined;
  let inCpu = false;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim();
    const n = i + 1;
    if (line === '') {
      header = undefined;
      inCpu = false;
      continue;
    }
    // Banner: `Linux 5.15.0-91-generic (mysql01) 	12/02/2026 	_x86_64_	(8 CPU)`
    const banner = /^\S+\s+\S+\s+\(([^)\s]+)\)\s/.exec(line);
    if (banner && !header) {
      if (host !== undefined && host !== banner[1]) {
        throw new ChurnInputError(file, n, `a second iostat banner for another host (${banner[1]}, after ${host}): one file per server`);
      }
      host = banner[1];
      continue;
    }
    if (/^avg-cpu:/.test(line)) {
      inCpu = true;
      continue;
    }
    if (inCpu) continue;
    // -t timestamps: `12/02/2026 08:23:01 AM`, `12/02/26 08:23:01`, or ISO with S_TIME_FORMAT=ISO.
    if (/^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[ T]\d{1,2}:\d{2}:\d{2}/.test(line)) continue;
    if (/^Device:?(\s|$)/.test(line)) {
      const columns = line.split(/\s+/);
      const w = columns.indexOf('w/s');
      const units: Array<[string, number]> = [['wkB/s', 1024], ['wsec/s', 512], ['wMB/s', 1024 * 1024]];
      const found = units.find(([name]) => columns.includes(name));
      if (w < 0 || !found) {
        throw new ChurnInputError(
          file,
          n,
          'this iostat header has no w/s and wkB/s (or wsec/s, wMB/s) columns: capture extended statistics with `iostat -dx 600 3` (plain `iostat -d` mixes reads and writes)',
        );
      }
      header = { line: n, columns, w, bytes: columns.indexOf(found[0]), unit: found[1] };
      reports.push({ line: n, devices: new Map() });
      continue;
    }
    if (!header) {
      throw new ChurnInputError(file, n, `unexpected line outside an iostat report: "${truncate(line)}" (expected the banner, a Device header, a device row or avg-cpu)`);
    }
    const cells = line.split(/\s+/);
    if (cells.length !== header.columns.length) {
      throw new ChurnInputError(file, n, `expected ${header.columns.length} columns as in the Device header on line ${header.line}, found ${cells.length}: "${truncate(line)}"`);
    }
    const writes = parseDecimal(cells[header.w]!);
    const rate = parseDecimal(cells[header.bytes]!);
    if (!Number.isFinite(writes) || !Number.isFinite(rate) || writes < 0 || rate < 0) {
      throw new ChurnInputError(file, n, `device ${cells[0]}: ${header.columns[header.w]} "${cells[header.w]}" and ${header.columns[header.bytes]} "${cells[header.bytes]}" must be non-negative numbers`);
    }
    reports[reports.length - 1]!.devices.set(cells[0]!, { bytesPerSec: rate * header.unit, writesPerSec: writes });
  }
  if (reports.length === 0) throw new ChurnInputError(file, undefined, 'no iostat report (no "Device" header line) found');
  const warnings: string[] = [];
  let kept = reports;
  let sinceBoot: ParsedFile['sinceBoot'] = 'none';
  if (!options.noBootReport) {
    if (reports.length > 1) {
      kept = reports.slice(1);
      sinceBoot = 'ignored';
    } else {
      sinceBoot = 'only-report';
      warnings.push(`${file}: only one iostat report, which covers the time since boot (an average over days, no peaks): run \`iostat -dx 600 3\` and send the whole output`);
    }
  }
  const intervals: Interval[] = kept.map((r) => ({ devices: r.devices }));
  return { file, format: 'iostat', servers: [{ host, intervals, absentMeansIdle: true }], sinceBoot, warnings };
}

export function truncate(s: string, max = 80): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}
