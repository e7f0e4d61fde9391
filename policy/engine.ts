/**
 * The post-synth pass: reads every `cdktf.out/stacks/<id>/cdk.tf.json`, runs the packs over every resource, applies
 * the suppressions found in the resources' checkov metadata, and returns a report. See docs/policy.md for why this
 * is a post-synth pass and not an Aspect.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultPacks } from './packs';
import { AppContext, type StackJson } from './resolve';
import { MIN_REASON_LENGTH, readSkips } from './suppress';
import type { Finding, PolicyReport, Rule, RulePack, SynthResource } from './types';

interface Skip {
  readonly id: string;
  readonly comment: string;
}

function skipsOf(r: SynthResource, findings: Finding[]): Skip[] {
  const valid: Skip[] = [];
  for (const raw of readSkips(r.config)) {
    const s = raw as Partial<Skip>;
    const id = typeof s.id === 'string' ? s.id : '(missing id)';
    if (typeof s.id !== 'string' || typeof s.comment !== 'string' || s.comment.trim().length < MIN_REASON_LENGTH) {
      // A suppression written by hand (addOverride) without a reason does not suppress anything and fails synth.
      findings.push({
        ruleId: id,
        pack: 'suppressions',
        severity: 'error',
        status: 'invalid-suppression',
        stack: r.stack,
        address: r.address,
        title: 'Suppressions carry a reason of at least 10 characters',
        message: `checkov skip ${JSON.stringify(raw)} has no reason of at least ${MIN_REASON_LENGTH} characters; it is ignored.`,
        remediation: "Use suppress(resource, ruleId, reason) from policy/suppress.ts with a real reason.",
        suppressed: false,
      });
      continue;
    }
    valid.push({ id: s.id, comment: s.comment.trim() });
  }
  return valid;
}

function suppressionFor(rule: Rule, skips: readonly Skip[]): Skip | undefined {
  return skips.find((s) => s.id === rule.id) ?? skips.find((s) => rule.checkov?.includes(s.id));
}

/** Runs the packs over already-parsed stacks (id → cdk.tf.json). Pure: no file access. */
export function checkStacks(stacks: ReadonlyMap<string, StackJson>, packs: readonly RulePack[] = defaultPacks): PolicyReport {
  const app = new AppContext(stacks);
  const findings: Finding[] = [];
  let resourcesChecked = 0;
  for (const stackId of app.stackIds) {
    const ctx = app.stack(stackId);
    for (const resource of ctx.resources()) {
      // `count = 0` (a literal, or a reference resolving to 0) means the resource is never created.
      const count = ctx.resolve(resource.config['count']);
      if (count.known && count.value === 0) continue;
      resourcesChecked++;
      const skips = skipsOf(resource, findings);
      for (const pack of packs) {
        for (const rule of pack.rules) {
          if (!rule.appliesTo.includes(resource.type)) continue;
          let problems;
          try {
            problems = rule.check(resource, ctx);
          } catch (e) {
            // A crashing rule must not pass silently (cdk-nag reports it as an error too).
            problems = [{ kind: 'unknown' as const, message: `rule failed to evaluate: ${(e as Error).message}` }];
          }
          const suppression = suppressionFor(rule, skips);
          for (const p of problems) {
            findings.push({
              ruleId: rule.id,
              pack: pack.name,
              severity: rule.severity,
              status: p.kind,
              stack: stackId,
              address: resource.address,
              title: rule.title,
              message: p.message,
              remediation: rule.remediation,
              suppressed: suppression !== undefined,
              ...(suppression ? { reason: suppression.comment } : {}),
              ...(rule.checkov ? { checkov: rule.checkov } : {}),
            });
          }
        }
      }
    }
  }
  const active = findings.filter((f) => !f.suppressed);
  return {
    packs: packs.map((p) => ({ name: p.name, rules: p.rules.map((r) => r.id) })),
    stacks: app.stackIds,
    resourcesChecked,
    findings,
    summary: {
      errors: active.filter((f) => f.severity === 'error').length,
      warnings: active.filter((f) => f.severity === 'warning').length,
      suppressed: findings.length - active.length,
    },
  };
}

/** Reads every stack under `<outdir>/stacks/<id>/cdk.tf.json` and checks them together. */
export function runPolicy(outdir: string, packs: readonly RulePack[] = defaultPacks): PolicyReport {
  const stacksDir = path.join(outdir, 'stacks');
  if (!fs.existsSync(stacksDir)) throw new Error(`policy: no synthesized stacks under ${stacksDir}; run synth first.`);
  const stacks = new Map<string, StackJson>();
  for (const id of fs.readdirSync(stacksDir).sort()) {
    const file = path.join(stacksDir, id, 'cdk.tf.json');
    if (fs.existsSync(file)) stacks.set(id, JSON.parse(fs.readFileSync(file, 'utf8')) as StackJson);
  }
  return checkStacks(stacks, packs);
}

/** True when synth must fail: any unsuppressed error-level finding (including unknowns and bad suppressions). */
export function hasBlockingFindings(report: PolicyReport): boolean {
  return report.summary.errors > 0;
}
