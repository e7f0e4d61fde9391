/**
 * Reasoned, per-resource suppressions. They are written into the resource itself as the metadata checkov reads
 * from cdktf output (`"//": {"checkov": {"skip": [{"id", "comment"}]}}`), so the policy pass and teams that also run
 * checkov see the same decisions, and the synthesized JSON is the single source of truth.
 */
import type { TerraformResource } from 'cdktf';
import { findRule } from './packs';

/** The minimum reason length, as in cdk-nag: long enough that "ok"/"todo"/"false positive" are rejected. */
export const MIN_REASON_LENGTH = 10;

export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

const CHECKOV_ID = /^CKV2?_AZURE_\d+$/;

/** Throws with a message naming the resource, the id and what is allowed. */
export function validateSuppression(where: string, ruleId: string, reason: unknown): void {
  if (typeof reason !== 'string' || reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `policy suppression of ${ruleId} on ${where}: a reason of at least ${MIN_REASON_LENGTH} characters is required ` +
        `(got ${JSON.stringify(reason)}); say why this finding is accepted.`,
    );
  }
  if (!findRule(ruleId) && !CHECKOV_ID.test(ruleId)) {
    throw new Error(`policy suppression on ${where}: unknown rule id '${ruleId}'; use a rule id from docs/policy.md (e.g. AZ-STG-001) or a checkov id (CKV_AZURE_n).`);
  }
}

/** Reads the `//.checkov.skip` list from a synthesized resource block. */
export function readSkips(config: Record<string, unknown>): unknown[] {
  const meta = config['//'] as { checkov?: { skip?: unknown } } | undefined;
  const skip = meta?.checkov?.skip;
  return Array.isArray(skip) ? skip : [];
}

/**
 * Suppresses one rule on one resource, with a reason. Our id and the checkov ids it maps to are all written, so
 * checkov skips the equivalent check too. Existing skips (added here or by hand via addOverride) are kept.
 *
 * @example suppress(nic, 'AZ-NIC-002', 'router appliance: forwards on-premises traffic to the spoke')
 */
export function suppress(resource: TerraformResource, ruleId: string, reason: string): void {
  validateSuppression(resource.node.path, ruleId, reason);
  // cdktf merges rawOverrides['//'] with its own `metadata` at synth; read them to append instead of clobbering.
  const overrides = (resource as unknown as { rawOverrides: Record<string, unknown> }).rawOverrides;
  const existing = readSkips(overrides) as CheckovSkip[];
  const ids = [ruleId, ...(findRule(ruleId)?.checkov ?? [])];
  const comment = reason.trim();
  const merged = [...existing.filter((s) => !ids.includes(s.id)), ...ids.map((id) => ({ id, comment }))];
  resource.addOverride('//.checkov.skip', merged);
}
