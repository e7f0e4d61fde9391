import * as path from 'path';
import { analyze, CaptureInput, ChurnReport } from './analyze';
import { ChurnInputError } from './errors';
import { parseCapture, readCapture } from './parse';
import { compareCosts, CostComparison, readPrices } from './prices';
import { renderText } from './report';

export const USAGE = `usage: npm run churn -- [--json] [--prices FILE] [[--server NAME] [--database|--no-database] [--no-boot-report] FILE]...

Reads iostat -dx output, timestamped /proc/diskstats snapshots or perfmon/typeperf CSV from source servers and
tells, per disk, which Site Recovery replica disk type takes its churn, and for the whole set how many process
servers and cache storage accounts it needs. Options before a FILE apply to that file only:
  --server NAME      server name (default: the host in the file, else the file name)
  --database         treat the server as a database server (default: guessed from its name)
  --no-database      do not treat it as one
  --no-boot-report   the iostat capture was taken with -y (its first report is a real interval)
FILE - reads standard input. Global: --json (one JSON document), --prices FILE (your monthly prices; none are
shipped). See churn/README.md.`;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface FileArgs {
  server?: string;
  database?: boolean;
  noBootReport?: boolean;
}

export type JsonReport = ChurnReport & { readonly prices: CostComparison | null };

/** Runs the advisor on arguments (without node and script); never throws. */
export function runChurn(argv: ReadonlyArray<string>): CliResult {
  try {
    let json = false;
    let pricesFile: string | undefined;
    let pending: FileArgs = {};
    const files: Array<{ file: string; args: FileArgs }> = [];
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const value = () => {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} needs a value`);
        return v;
      };
      if (a === '-h' || a === '--help') return { code: 0, stdout: USAGE + '\n', stderr: '' };
      else if (a === '--json') json = true;
      else if (a === '--prices') pricesFile = value();
      else if (a === '--server') pending.server = value();
      else if (a === '--database') pending.database = true;
      else if (a === '--no-database') pending.database = false;
      else if (a === '--no-boot-report') pending.noBootReport = true;
      else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
      else {
        files.push({ file: a, args: pending });
        pending = {};
      }
    }
    if (Object.keys(pending).length > 0) throw new UsageError('--server/--database/--no-database/--no-boot-report must come before the file they describe');
    if (files.length === 0) throw new UsageError('no capture files given');

    const inputs: CaptureInput[] = [];
    const parseWarnings: string[] = [];
    const seen = new Map<string, string>();
    for (const { file, args } of files) {
      const parsed = parseCapture(file, readCapture(file), { noBootReport: args.noBootReport });
      parseWarnings.push(...parsed.warnings);
      if (args.server && parsed.servers.length > 1) {
        throw new ChurnInputError(file, undefined, `--server ${args.server} cannot name a file that holds ${parsed.servers.length} hosts (${parsed.servers.map((s) => s.host).join(', ')})`);
      }
      for (const capture of parsed.servers) {
        const name = args.server ?? capture.host ?? path.basename(file).replace(/\.[^.]+$/, '');
        const other = seen.get(name.toLowerCase());
        if (other) throw new ChurnInputError(file, undefined, `server ${name} is also measured by ${other}: give one capture per server, or tell them apart with --server NAME`);
        seen.set(name.toLowerCase(), file);
        inputs.push({ parsed, capture, name, ...(args.database !== undefined ? { database: args.database } : {}) });
      }
    }
    const analysed = analyze(inputs);
    const report: ChurnReport = { ...analysed, warnings: [...parseWarnings, ...analysed.warnings] };
    const costs = pricesFile ? compareCosts(report, readPrices(pricesFile)) : null;
    if (json) {
      const doc: JsonReport = { ...report, prices: costs };
      return { code: 0, stdout: JSON.stringify(doc, null, 2) + '\n', stderr: '' };
    }
    return { code: 0, stdout: renderText(report, costs), stderr: '' };
  } catch (e) {
    if (e instanceof ChurnInputError) return { code: 2, stdout: '', stderr: `churn: ${e.message}\n` };
    if (e instanceof UsageError) return { code: 2, stdout: '', stderr: `churn: ${e.message}\n${USAGE}\n` };
    // Anything else is a bug here, not in the input: one line, no stack trace.
    return { code: 1, stdout: '', stderr: `churn: internal error: ${(e as Error).message}\n` };
  }
}

class UsageError extends Error {}

if (require.main === module) {
  const result = runChurn(process.argv.slice(2));
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.code;
}
