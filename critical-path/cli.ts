import * as fs from 'fs';
import { loadStacks, StackGraph } from './graph';
import { formatReport, toJson } from './report';
import { DEFAULT_PARALLELISM, estimate } from './simulate';
import { applySet, loadTimes, mergeTimes, TimesTable, validateTimes } from './times';

const USAGE = `usage: npm run plan:critical-path -- [env ...] [--json] [--outdir <synth output>] [--times <file>] [--set <type>=<minutes>]... [--parallelism <n>]

Estimates the time from an empty subscription to a running environment from the synthesized stacks
(run \`npm run synth\` first) and a table of typical create times (critical-path/times.json).
  env ...            only these environments (default: every environment in the synth output)
  --json             machine-readable: { environments: { <env>: { totalMinutes, stacks: { <stack>: { startMinute,
                     finishMinute, durationMinutes } }, criticalPath: [<stack>, ...] } } }
  --outdir <dir>     synth output (default: $CDKTF_OUTDIR or cdktf.out)
  --times <file>     a partial table (same shape) merged over the defaults, e.g. measured figures for your region
  --set k=minutes    one entry: a resource type (azurerm_virtual_network_gateway=30), an on-node activity's
                     <activity>.prepareMinutes / .joinMinutes, or stackOverhead
  --parallelism <n>  terraform apply -parallelism (default ${DEFAULT_PARALLELISM})
  --out <file>       write the report (or the JSON) to <file> instead of stdout (pipelines: no npm banner in it)`;

/** Resource types the table has no entry for: they count the default, which the report says. */
function unlistedTypes(stacks: ReadonlyArray<StackGraph>, times: TimesTable): string {
  const types = new Set<string>();
  for (const s of stacks) for (const r of s.resources.values()) if (r.type !== 'local' && !r.hint && times.types[r.type] === undefined) types.add(r.type);
  return types.size === 0 ? '' : `Counted with the default ${times.default.minutes} min (${times.default.source.replace(/\.$/, '')}): ${[...types].sort().join(', ')}.\n`;
}

export function main(argv: string[]): number {
  let outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
  let json = false;
  let parallelism = DEFAULT_PARALLELISM;
  let out: string | undefined;
  const envs: string[] = [];
  const sets: string[] = [];
  const timesFiles: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--json') json = true;
    else if (a === '--outdir') outdir = value();
    else if (a === '--times') timesFiles.push(value());
    else if (a === '--set') sets.push(value());
    else if (a === '--parallelism') parallelism = Number(value());
    else if (a === '--out') out = value();
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith('-')) throw new Error(`unknown option ${a}\n${USAGE}`);
    else envs.push(a);
  }
  let times: TimesTable = loadTimes();
  for (const file of timesFiles) {
    const partial = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TimesTable>;
    times = mergeTimes(times, partial);
    validateTimes(times, file);
  }
  for (const s of sets) times = applySet(times, s);

  const stacks = loadStacks(outdir);
  const known = [...new Set(stacks.map((s) => s.environment))];
  const unknown = envs.filter((e) => !known.includes(e));
  if (unknown.length > 0) throw new Error(`environment(s) ${unknown.join(', ')} not in ${outdir}; allowed: ${known.join(', ')}`);
  // Other environments' stacks stay loaded: a selected stack may read them.
  const estimates = estimate(stacks, times, { parallelism }).filter((e) => envs.length === 0 || envs.includes(e.environment));
  const text = json
    ? JSON.stringify(toJson(estimates), null, 2)
    : `${formatReport(estimates, times)}\n${unlistedTypes(stacks, times)}Typical create times: critical-path/times.json (each with its source; override with --set or --times). Terraform parallelism ${parallelism}.`;
  if (out) fs.writeFileSync(out, `${text}\n`);
  else console.log(text);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
