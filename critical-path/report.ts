import { EnvironmentEstimate, stackSlack } from './simulate';
import { TimesTable } from './times';

/** The two outputs of an estimate: the `--json` shape and the human report. */

const round = (n: number) => Math.round(n * 10) / 10;

/** The `--json` shape (scripts/plan-summary.mjs reads it). */
export function toJson(estimates: ReadonlyArray<EnvironmentEstimate>): {
  environments: Record<string, { totalMinutes: number; stacks: Record<string, { startMinute: number; finishMinute: number; durationMinutes: number }>; criticalPath: string[] }>;
} {
  return {
    environments: Object.fromEntries(
      estimates.map((e) => [
        e.environment,
        {
          totalMinutes: round(e.totalMinutes),
          stacks: Object.fromEntries(e.stacks.map((s) => [s.name, { startMinute: round(s.startMinute), finishMinute: round(s.finishMinute), durationMinutes: round(s.durationMinutes) }])),
          criticalPath: [...e.criticalPath],
        },
      ]),
    ),
  };
}

/** A short readable form of a Terraform address: type.name without cdktf's hash suffix. */
export function shortAddress(address: string): string {
  return address.replace(/_[0-9A-F]{8}$/, '');
}

/** The human report: per environment the total, the stack timeline, the critical path and what runs beside it. */
export function formatReport(estimates: ReadonlyArray<EnvironmentEstimate>, times: TimesTable): string {
  const lines: string[] = [];
  const f = (n: number) => round(n).toFixed(1).padStart(5);
  for (const e of estimates) {
    const scale = 40 / Math.max(1, e.totalMinutes);
    lines.push(`${e.environment}: ~${Math.round(e.totalMinutes)} min from an empty subscription to a running environment`);
    lines.push(`  critical path: ${e.criticalPath.join(' -> ')}`);
    lines.push('');
    lines.push(`  ${'stack'.padEnd(18)} start finish   took  timeline (one mark ~${round(1 / scale)} min)`);
    for (const s of [...e.stacks].sort((a, b) => a.startMinute - b.startMinute || a.name.localeCompare(b.name))) {
      const bar = ' '.repeat(Math.round(s.startMinute * scale)) + (e.criticalPath.includes(s.name) ? '#' : '=').repeat(Math.max(1, Math.round(s.durationMinutes * scale)));
      lines.push(`  ${s.name.padEnd(18)} ${f(s.startMinute)}  ${f(s.finishMinute)}  ${f(s.durationMinutes)}  ${bar}`);
    }
    lines.push('');
    lines.push('  on the critical path (minutes from the start of the environment):');
    for (const name of e.criticalPath) {
      const s = e.stacks.find((x) => x.name === name)!;
      const base = s.startMinute + times.stackOverheadMinutes.minutes;
      lines.push(`    ${name} (starts ${round(s.startMinute)}${s.after ? `, after ${s.after}` : ''}; ${round(times.stackOverheadMinutes.minutes)} min init/plan):`);
      for (const r of s.criticalResources) {
        const dep = r.after ? s.resources.get(r.after) : undefined;
        const queued = dep && r.start > dep.finish + 1e-9 ? ' (queued for a parallelism slot)' : '';
        const why = `${queued}${r.waitedOnNodeFor ? `, then its on-node join waited for ${shortAddress(r.waitedOnNodeFor)}` : ''}`;
        lines.push(`      ${f(base + r.start)} -> ${f(base + r.finish)}  ${shortAddress(r.address)}${why}`);
      }
      const onPath = new Set(s.criticalResources.map((r) => r.address));
      const beside = [...s.resources.values()].filter((r) => !onPath.has(r.address) && r.finish - r.start >= 1).sort((a, b) => b.finish - b.start - (a.finish - a.start));
      if (beside.length > 0) {
        const shown = beside.slice(0, 4).map((r) => `${shortAddress(r.address)} ${round(base + r.start)}-${round(base + r.finish)}`);
        lines.push(`      in parallel: ${shown.join('; ')}${beside.length > 4 ? `; +${beside.length - 4} more` : ''}`);
      }
    }
    const off = e.stacks.filter((s) => !e.criticalPath.includes(s.name));
    if (off.length > 0) {
      const slack = stackSlack(e);
      lines.push('  in parallel, off the critical path (slack: minutes a stack could take longer without delaying the environment):');
      for (const s of off) lines.push(`    ${s.name.padEnd(18)} ends ${f(s.finishMinute)}, slack ${f(slack.get(s.name)!)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
