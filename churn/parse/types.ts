/** Writes of one device over one interval. */
export interface DeviceInterval {
  /** Bytes written per second (1 KB = 1024 bytes). */
  readonly bytesPerSec: number;
  /** Write requests completed per second, when the source gives them (needed for the average write size). */
  readonly writesPerSec?: number;
}

/** One measurement interval: every device seen in it. */
export interface Interval {
  /** Length, when the source has timestamps (diskstats); iostat/perfmon intervals are equal by construction. */
  readonly seconds?: number;
  readonly devices: ReadonlyMap<string, DeviceInterval>;
}

/** What one source server's capture says, before device filtering. */
export interface ServerCapture {
  /** Host name found in the file (iostat banner, `# host:` line, perfmon counter path). */
  readonly host?: string;
  readonly intervals: ReadonlyArray<Interval>;
  /** True: a device missing from an interval wrote nothing in it (iostat -z hides idle devices); false: it was not measured. */
  readonly absentMeansIdle: boolean;
}

export type CaptureFormat = 'iostat' | 'diskstats' | 'perfmon';

export interface ParsedFile {
  readonly file: string;
  readonly format: CaptureFormat;
  readonly servers: ReadonlyArray<ServerCapture>;
  /** The since-boot iostat report was dropped (true), kept because it was the only one (false) or n/a. */
  readonly sinceBoot?: 'ignored' | 'only-report' | 'none';
  readonly warnings: ReadonlyArray<string>;
}

export interface ParseOptions {
  /** The iostat capture was taken with -y (no since-boot report). */
  readonly noBootReport?: boolean;
}
