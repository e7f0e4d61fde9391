import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';

/**
 * `npm run bench:synth`: wall time and peak memory (max RSS) of a full synth of every stack of every
 * environment, each run in a fresh Node process as a user would run it. Prints min/median/max.
 * Usage: npm run bench:synth -- [runs=5]
 */
const runs = Number(process.argv[2] ?? 5);
const outdir = path.join(os.tmpdir(), `bench-synth-${process.pid}`);
const child = `
  const started = process.hrtime.bigint();
  const log = console.log; console.log = () => {}; console.warn = () => {};
  const code = require(${JSON.stringify(path.join(__dirname, 'synth.js'))}).synthesize(${JSON.stringify(outdir)});
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  log(JSON.stringify({ code, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
`;

const samples: Array<{ wallMs: number; inProcessMs: number; maxRssMb: number }> = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', child], { encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (result.status !== 0) {
    console.error(result.stderr || result.stdout);
    process.exit(1);
  }
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!);
  if (report.code !== 0) {
    console.error(`synth exited with ${report.code}`);
    process.exit(1);
  }
  samples.push({ wallMs, inProcessMs: report.ms, maxRssMb: report.maxRssMb });
}

const stat = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] };
};
const fmt = (s: { min: number; median: number; max: number }, unit: string, digits = 0) =>
  `min ${s.min.toFixed(digits)} ${unit}  median ${s.median.toFixed(digits)} ${unit}  max ${s.max.toFixed(digits)} ${unit}`;
console.log(`full synth, ${runs} runs, ${os.cpus().length} cores, node ${process.version}`);
console.log(`  wall time (process start to exit): ${fmt(stat(samples.map((s) => s.wallMs / 1000)), 's', 2)}`);
console.log(`  synth time (in process):           ${fmt(stat(samples.map((s) => s.inProcessMs / 1000)), 's', 2)}`);
console.log(`  peak memory (max RSS):             ${fmt(stat(samples.map((s) => s.maxRssMb)), 'MB')}`);
console.log(`  budget: 10 s and 600 MB -> ${Math.max(...samples.map((s) => s.wallMs)) <= 10000 && Math.max(...samples.map((s) => s.maxRssMb)) <= 600 ? 'within' : 'OVER'}`);
