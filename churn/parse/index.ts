import * as fs from 'fs';
import { ChurnInputError } from '../errors';
import { parseDiskstats } from './diskstats';
import { parseIostat } from './iostat';
import { parsePerfmon } from './perfmon';
import type { ParsedFile, ParseOptions } from './types';

export type { ParsedFile, ServerCapture, CaptureFormat } from './types';

/** Reads a capture as text: UTF-8, or UTF-16 with a byte-order mark (Windows tools often write that). */
export function readCapture(file: string): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file === '-' ? 0 : file); // `-`: standard input (ssh host iostat ... | npm run churn -- -)
  } catch (e) {
    throw new ChurnInputError(file, undefined, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf[0] === 0xfe && buf[1] === 0xff) return Buffer.from(buf.subarray(2)).swap16().toString('utf16le');
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

/** Recognises the format from the content (not the file name: captures arrive named anything). */
export function parseCapture(file: string, text: string, options: ParseOptions = {}): ParsedFile {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((l) => l.trim() !== '');
  if (index < 0) throw new ChurnInputError(file, undefined, 'the file is empty');
  const first = lines[index]!.trim();
  if (/^"?\(PDH-CSV/i.test(first)) return parsePerfmon(file, text);
  if (/^\S+\s+\S+\s+\([^)\s]+\)\s/.test(first) || /^(Device:?|avg-cpu:)(\s|$)/.test(first)) return parseIostat(file, text, options);
  if (first.startsWith('#') || /^\d{9,}(\.\d+)?$/.test(first) || /^\d{4}-\d{2}-\d{2}T/.test(first)) return parseDiskstats(file, text);
  throw new ChurnInputError(
    file,
    index + 1,
    'unrecognised capture: expected `iostat -dx` output (banner or Device header), timestamped /proc/diskstats snapshots (`date +%s.%N; cat /proc/diskstats`) or a perfmon/typeperf CSV ("(PDH-CSV 4.0)" header)',
  );
}
