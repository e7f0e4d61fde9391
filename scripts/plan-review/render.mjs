// @ts-check
/**
 * The markdown a reviewer reads, in this order: verdict, count table per stack, dangerous changes with their
 * consequence, other deletes/replaces, then everything else folded. The verdict and the table are never cut:
 * when the text would pass MAX_CHARS the folded part is shortened first, then the other deletes/replaces, then
 * the dangerous list, and the comment says what was cut. Only addresses, actions, Terraform's reasons and
 * attribute names are printed, never attribute values.
 */
import { findDangerous } from './rules.mjs';

/** Azure DevOps rejects comments above 150,000 characters; stay well below with room for the header. */
export const MAX_CHARS = 60000;
/** Present in the markdown when something needs a person: destroy, replace, dangerous change or a missing plan. */
export const ATTENTION_MARKER = '<!-- plan-needs-attention -->';

/** @typedef {import('./plan.mjs').StackPlan} StackPlan */
/** @typedef {import('./plan.mjs').Change} Change */
/** @typedef {import('./rules.mjs').Finding} Finding */
/**
 * @typedef {{ totalMinutes?: number, stacks?: Record<string, { startMinute?: number, finishMinute?: number, durationMinutes?: number }>, criticalPath?: string[] }} EnvironmentEstimate
 * @typedef {{ environments?: Record<string, EnvironmentEstimate> }} CriticalPathEstimate
 * @typedef {{ title: string, marker: string, plans: StackPlan[], runUrl?: string, commit?: string, time?: string,
 *   environment?: string, estimate?: CriticalPathEstimate, estimateError?: string, maxChars?: number,
 *   dependencies?: Record<string, string[]> }} SummaryInput
 * @typedef {{ needsApproval: boolean, hasChanges: boolean, dangerous: number, destructive: number, failed: string[], changedStacks: string[],
 *   deferred: Array<{ stack: string, because: string[] }> }} Verdict
 */

/** @param {StackPlan} p */
export function counts(p) {
  const c = { create: 0, update: 0, delete: 0, replace: 0, read: 0, 'no-op': 0, forget: 0 };
  for (const ch of p.changes) c[ch.action] += 1;
  return c;
}

/** @param {StackPlan} p */
const hasChanges = (p) => !p.error && (p.outputs > 0 || p.changes.some((c) => !['no-op', 'read'].includes(c.action)));

/**
 * Stacks whose saved plan must not be applied in this run: they read (directly or through another stack) outputs
 * that an upstream plan of the same run changes, or of a stack without a plan. Their plans hold the old values
 * (cdktf cross-stack references are terraform_remote_state reads at plan time); the next run plans them again.
 * @param {StackPlan[]} plans
 * @param {Record<string, string[]>} dependencies stack id -> the stack ids it reads (cdktf manifest)
 */
export function deferredStacks(plans, dependencies) {
  const byId = new Map(plans.map((p) => [p.stack, p]));
  const moving = (/** @type {string} */ id) => {
    const p = byId.get(id);
    return p !== undefined && (Boolean(p.error) || p.outputs > 0);
  };
  /** @type {Map<string, Set<string>>} */
  const memo = new Map();
  const causes = (/** @type {string} */ id, /** @type {Set<string>} */ seen = new Set()) => {
    if (memo.has(id)) return /** @type {Set<string>} */ (memo.get(id));
    /** @type {Set<string>} */
    const out = new Set();
    for (const up of dependencies[id] ?? []) {
      if (seen.has(up)) continue;
      if (moving(up)) out.add(up);
      for (const c of causes(up, new Set([...seen, id]))) out.add(c);
    }
    memo.set(id, out);
    return out;
  };
  return plans.filter((p) => !p.error).map((p) => ({ stack: p.stack, because: [...causes(p.stack)].sort() })).filter((d) => d.because.length > 0);
}

/**
 * What the pipeline acts on: approval needed (any delete, replace, dangerous change or missing plan), changes
 * present, and the stacks deferred to the next run (see deferredStacks).
 * @param {StackPlan[]} plans
 * @param {Finding[]} [dangerous]
 * @param {Record<string, string[]>} [dependencies]
 * @returns {Verdict}
 */
export function verdictOf(plans, dangerous = findDangerous(plans), dependencies = {}) {
  const destructive = plans.reduce((n, p) => n + p.changes.filter((c) => c.action === 'delete' || c.action === 'replace').length, 0);
  const failed = plans.filter((p) => p.error).map((p) => p.stack);
  const changedStacks = plans.filter(hasChanges).map((p) => p.stack);
  const deferred = deferredStacks(plans, dependencies);
  return { needsApproval: dangerous.length > 0 || destructive > 0 || failed.length > 0, hasChanges: changedStacks.length > 0, dangerous: dangerous.length, destructive, failed, changedStacks, deferred };
}

/** Markdown-safe single line (error texts come from files and parsers). */
const oneLine = (/** @type {string} */ s, max = 200) => {
  const flat = s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|').replace(/<!--|-->/g, '');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const plural = (/** @type {number} */ n, /** @type {string} */ one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** @param {Change} c */
function terraformReason(c) {
  const parts = [];
  if (c.reason) parts.push(c.reason);
  if (c.replacePaths?.length) parts.push(`replace paths: ${c.replacePaths.map((p) => `\`${p}\``).join(', ')}`);
  else if (c.action === 'update' && c.changed?.length) parts.push(`changed: ${c.changed.slice(0, 8).map((p) => `\`${p}\``).join(', ')}${c.changed.length > 8 ? ', …' : ''}`);
  return parts.length > 0 ? ` (Terraform: ${parts.join('; ')})` : '';
}

/** @param {Verdict} v */
function verdictLine(v) {
  const parts = [];
  if (v.failed.length > 0) parts.push(`**No plan for ${v.failed.map((s) => `\`${s}\``).join(', ')}: this environment cannot be reviewed or deployed until it plans**`);
  if (v.dangerous > 0) parts.push(`**${plural(v.dangerous, 'dangerous change')} need${v.dangerous === 1 ? 's' : ''} explicit approval**`);
  if (v.destructive > 0) parts.push(`${v.dangerous > 0 ? '' : '**'}${plural(v.destructive, 'delete/replace', 'deletes/replaces')}${v.dangerous > 0 ? '' : ' need explicit approval**'}`);
  if (parts.length === 0) parts.push(v.hasChanges ? '**No delete, replace or dangerous change**: no approval needed for the plan content' : '**No changes**: nothing to apply');
  return `Verdict: ${parts.join(' · ')}`;
}

/**
 * @param {SummaryInput} input
 * @param {string[]} changedStacks
 */
function estimateLines({ environment, estimate, estimateError }, changedStacks) {
  if (estimateError) return [`_Time estimate unavailable: ${oneLine(estimateError)}_`, ''];
  if (!estimate || !environment) return [];
  const env = estimate.environments?.[environment];
  if (!env) return [`_No time estimate for ${environment} in the critical-path file._`, ''];
  const onPath = new Set(env.criticalPath ?? []);
  const rows = changedStacks.map((id) => {
    const s = env.stacks?.[id];
    if (!s) return `\`${id}\` (no estimate)`;
    return `\`${id}\` ${s.startMinute ?? '?'}→${s.finishMinute ?? '?'} min (${s.durationMinutes ?? '?'} min${onPath.has(id) ? ', on the critical path' : ''})`;
  });
  if (rows.length === 0) return [];
  return [`Time to apply (estimate, \`npm run plan:critical-path\`): ${rows.join(', ')}; whole environment from scratch ${env.totalMinutes ?? '?'} min.`, ''];
}

/**
 * Renders the comment (see the file comment for the order and the cutting rules).
 * @param {SummaryInput} input
 * @returns {string}
 */
export function renderSummary(input) {
  const { title, marker, plans, runUrl, commit, time } = input;
  const max = input.maxChars ?? MAX_CHARS;
  const dangerous = findDangerous(plans);
  const verdict = verdictOf(plans, dangerous, input.dependencies ?? {});
  const dangerousAddresses = new Set(dangerous.map((d) => `${d.stack}\u0000${d.address}`));

  const head = [`<!-- ${marker} -->`];
  if (verdict.needsApproval) head.push(ATTENTION_MARKER);
  head.push(`### ${title}`, '', verdictLine(verdict), '');
  const where = [commit ? `commit \`${commit.slice(0, 12)}\`` : '', time ? `planned ${time}` : '', runUrl ? `[pipeline run](${runUrl}) (full plans; artifacts are sensitive and expire with the run)` : ''].filter(Boolean);
  if (where.length > 0) head.push(`${where.join(' · ')}`, '');
  head.push('| Stack | Create | Update | Replace | Delete | Outputs | Drift | Dangerous |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const p of plans) {
    if (p.error) {
      head.push(`| \`${p.stack}\` | - | - | - | - | - | - | **no plan**: ${oneLine(p.error)} |`);
      continue;
    }
    const c = counts(p);
    const label = hasChanges(p) ? `\`${p.stack}\`` : `\`${p.stack}\` (no changes)`;
    head.push(`| ${label} | ${c.create} | ${c.update} | ${c.replace} | ${c.delete} | ${p.outputs} | ${p.drift} | ${dangerous.filter((d) => d.stack === p.stack).length} |`);
  }
  head.push('', ...estimateLines(input, verdict.changedStacks));
  if (verdict.deferred.length > 0) {
    head.push(`**Applied in a later run:** ${verdict.deferred.map((d) => `\`${d.stack}\` (reads ${d.because.map((b) => `\`${b}\``).join(', ')})`).join(', ')}: `
      + 'these plans read outputs that change in this run (or of a stack without a plan), so they hold the old values and are not applied now. Run the pipeline again after this run to plan and apply them.', '');
  }

  /** @type {Array<{ name: string, heading: string[], items: string[][], footer: string[] }>} */
  const sections = [];
  if (dangerous.length > 0) {
    sections.push({
      name: 'dangerous change', heading: [`#### Dangerous changes (${dangerous.length})`, ''],
      items: dangerous.map((d) => [`- **${d.severity}** \`${d.stack}\` **${d.action}** \`${d.address}\`: ${d.consequence}${terraformReason(d)}`]),
      footer: [''],
    });
  }
  const otherDestructive = plans.flatMap((p) => p.changes.filter((c) => (c.action === 'delete' || c.action === 'replace') && !dangerousAddresses.has(`${p.stack}\u0000${c.address}`)).map((c) => ({ ...c, stack: p.stack })));
  if (otherDestructive.length > 0) {
    sections.push({
      name: 'other delete/replace line', heading: [`#### Other deletes and replaces (${otherDestructive.length})`, ''],
      items: otherDestructive.map((c) => [`- \`${c.stack}\` **${c.action}** \`${c.address}\`${terraformReason(c)}`]),
      footer: [''],
    });
  }
  const folded = plans.flatMap((p) => {
    const rest = p.changes.filter((c) => !['no-op', 'read', 'delete', 'replace'].includes(c.action) && !dangerousAddresses.has(`${p.stack}\u0000${c.address}`));
    if (rest.length === 0) return [];
    const sorted = [...rest].sort((a, b) => a.action.localeCompare(b.action) || a.address.localeCompare(b.address));
    return [{ stack: p.stack, lines: sorted.map((c) => `- ${c.action} \`${c.address}\`${c.action === 'update' ? terraformReason(c) : ''}`) }];
  });
  if (folded.length > 0) {
    // One item per line so the cut can stop anywhere; the <details> wrappers are added around what is kept.
    sections.push({ name: 'folded change line', heading: [], items: folded.flatMap((f) => f.lines.map((l) => [f.stack, l])), footer: [] });
  }

  const finish = (/** @type {string[]} */ lines) => `${lines.join('\n').trimEnd()}\n`;
  const headText = finish(head);
  // Room for the cut note, which names what was left out (written once the cuts are known).
  const reserve = 400;
  let budget = max - headText.length - reserve;
  if (budget < 0) throw new Error(`the verdict and the table alone exceed ${max} characters (${plans.length} stacks?)`);

  /** @type {string[]} */
  const body = [];
  /** @type {string[]} */
  const cuts = [];
  for (const section of sections) {
    // Once a more important section was cut, the less important ones are left out whole (not a stray line or two).
    if (cuts.length > 0) {
      cuts.push(`${plural(section.items.length, section.name)} (all)`);
      continue;
    }
    if (section.name === 'folded change line') {
      let kept = 0;
      let current = '';
      for (const [stack, line] of section.items) {
        const open = stack !== current ? (current ? ['', '</details>', ''] : []).concat([`<details><summary>${stack}: ${folded.find((f) => f.stack === stack)?.lines.length} other change(s)</summary>`, '']) : [];
        const cost = [...open, line].join('\n').length + 1 + 20; // + closing tags
        if (cost > budget) break;
        body.push(...open, line);
        budget -= cost - 20;
        current = stack;
        kept += 1;
      }
      if (current) body.push('', '</details>', '');
      if (kept < section.items.length) cuts.push(`${plural(section.items.length - kept, section.name)} of ${section.items.length}`);
      continue;
    }
    const headingCost = section.heading.join('\n').length + 1;
    if (headingCost > budget) {
      cuts.push(`${plural(section.items.length, section.name)} (all)`);
      continue;
    }
    body.push(...section.heading);
    budget -= headingCost;
    let kept = 0;
    for (const item of section.items) {
      const cost = item.join('\n').length + 1;
      if (cost > budget) break;
      body.push(...item);
      budget -= cost;
      kept += 1;
    }
    if (kept < section.items.length) body.push(`- … ${section.items.length - kept} more not shown (see the run)`);
    body.push(...section.footer);
    if (kept < section.items.length) cuts.push(`${plural(section.items.length - kept, section.name)} of ${section.items.length}`);
  }

  const note = cuts.length > 0 ? [`_Shortened to stay under ${max} characters: ${cuts.join('; ')} not shown. The verdict and the table above are complete; the run has the full plans._`, ''] : [];
  const text = finish([...head, ...note, ...body]);
  if (text.length > max) throw new Error(`internal: summary is ${text.length} characters, above ${max}`);
  return text;
}
