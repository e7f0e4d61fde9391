import { ChurnInputError } from '../errors';
import { truncate } from './iostat';
import type { DeviceInterval, Interval, ParsedFile } from './types';

/**
 * Timestamped `/proc/diskstats` snapshots, as captured by
 *   { echo "# host: $(hostname)"; for i in 1 2 3 4; do date +%s.%N; cat /proc/diskstats; sleep 600; done; } > host.diskstats
 * A timestamp line is epoch seconds (`date +%s.%N`) or ISO 8601 (`date -Is`); `#` lines are comments, and
 * `# host: NAME` names the server. Each row is `major minor name` and the kernel's counters
 * (Documentation/admin-guide/iostats.rst): field 5 writes completed, field 7 sectors written, always in
 * 512-byte units whatever the device's sector size. Between two snapshots: bytes/s = delta(sectors) * 512 / dt,
 * average write = delta(sectors) * 512 / delta(writes).
 */
export function parseDiskstats(file: string, text: string): ParsedFile {
  const lines = text.split(/\r?\n/);
  let host: string | undefined;
  const snapshots: Array<{ line: number; time: number; rows: Map<string, { writes: number; sectors: number }> }> = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*host:\s*(\S+)/i.exec(line);
      if (m) host = m[1];
      continue;
    }
    const time = parseTimestamp(line);
    if (time !== undefined) {
      const previous = snapshots[snapshots.length - 1];
      if (previous && time <= previous.time) {
        throw new ChurnInputError(file, n, `timestamp ${line} is not after the previous one (line ${previous.line}): snapshots must be in capture order`);
      }
      snapshots.push({ line: n, time, rows: new Map() });
      continue;
    }
    const cells = line.split(/\s+/);
    // 14 fields since 2.6, 18 with discards (4.18), 20 with flushes (5.5).
    if (cells.length < 14 || !/^\d+$/.test(cells[0]!) || !/^\d+$/.test(cells[1]!)) {
      throw new ChurnInputError(file, n, `neither a timestamp (date +%s.%N) nor a /proc/diskstats row: "${truncate(line)}"`);
    }
    const snapshot = snapshots[snapshots.length - 1];
    if (!snapshot) {
      throw new ChurnInputError(file, n, 'a /proc/diskstats row before any timestamp line: capture each snapshot as `date +%s.%N; cat /proc/diskstats`');
    }
    const counters = cells.slice(3).map((c) => (/^\d+$/.test(c) ? Number(c) : NaN));
    if (counters.some((c) => Number.isNaN(c))) throw new ChurnInputError(file, n, `device ${cells[2]}: counters must be non-negative integers`);
    snapshot.rows.set(cells[2]!, { writes: counters[4]!, sectors: counters[6]! });
  }
  if (snapshots.length < 2) {
    throw new ChurnInputError(file, undefined, `${snapshots.length} timestamped snapshot(s): at least two are needed to compute rates`);
  }
  const warnings: string[] = [];
  const intervals: Interval[] = [];
  for (let s = 1; s < snapshots.length; s++) {
    const a = snapshots[s - 1]!;
    const b = snapshots[s]!;
    const seconds = b.time - a.time;
    const devices = new Map<string, DeviceInterval>();
    for (const [name, after] of b.rows) {
      const before = a.rows.get(name);
      if (!before) continue;
      if (after.sectors < before.sectors || after.writes < before.writes) {
        // A reboot (or a 32-bit counter wrap) between snapshots: this interval says nothing about that device.
        warnings.push(`${file}: ${name}: counters went down between lines ${a.line} and ${b.line} (reboot or counter wrap): interval skipped`);
        continue;
      }
      const bytes = (after.sectors - before.sectors) * 512;
      devices.set(name, { bytesPerSec: bytes / seconds, writesPerSec: (after.writes - before.writes) / seconds });
    }
    intervals.push({ seconds, devices });
  }
  return { file, format: 'diskstats', servers: [{ host, intervals, absentMeansIdle: false }], warnings };
}

function parseTimestamp(line: string): number | undefined {
  if (/^\d{9,}(\.\d+)?$/.test(line)) return Number(line);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(line)) {
    const ms = Date.parse(line.replace(',', '.'));
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}
