/**
 * Core types of the policy pack. Rules are pure functions over one synthesized resource, shaped after cdk-nag:
 * type-narrow (by `appliesTo`), resolve the inspected values, report problems; no side effects.
 */
import type { StackContext } from './resolve';

export type Severity = 'error' | 'warning';

/** One resource as it appears in `cdktf.out/stacks/<stack>/cdk.tf.json`. */
export interface SynthResource {
  /** Terraform resource type, e.g. `azurerm_storage_account`. */
  readonly type: string;
  /** Terraform logical name (cdktf's friendly unique id). */
  readonly name: string;
  /** `<type>.<name>`, the address Terraform and checkov print. */
  readonly address: string;
  /** The resource's JSON block (snake_case attributes, `${...}` interpolations as strings, `"//"` metadata). */
  readonly config: Record<string, unknown>;
  /** The stack id (`<env>-<component>`). */
  readonly stack: string;
}

/**
 * What a rule reports about one resource. `fail` is a definite violation; `unknown` means an inspected value is an
 * unresolvable `${...}` expression, so compliance cannot be shown at synth (never silently compliant).
 * An empty list means compliant.
 */
export interface Problem {
  readonly kind: 'fail' | 'unknown';
  readonly message: string;
}

export interface Rule {
  /** Stable id, e.g. `AZ-STG-001`; used in suppressions and the report. */
  readonly id: string;
  /** checkov ids that inspect the same thing; a checkov skip for one of them also suppresses this rule. */
  readonly checkov?: readonly string[];
  readonly severity: Severity;
  /** One line, phrased as the compliant state. */
  readonly title: string;
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it (in this repo's constructs or configuration). */
  readonly remediation: string;
  /** Terraform resource types the rule inspects; other resources are not applicable. */
  readonly appliesTo: readonly string[];
  check(resource: SynthResource, ctx: StackContext): Problem[];
}

export interface RulePack {
  readonly name: string;
  readonly description: string;
  readonly rules: readonly Rule[];
}

export interface Finding {
  readonly ruleId: string;
  readonly pack: string;
  readonly severity: Severity;
  /** `fail`: violation; `unknown`: an inspected value could not be resolved at synth; `invalid-suppression`. */
  readonly status: 'fail' | 'unknown' | 'invalid-suppression';
  readonly stack: string;
  readonly address: string;
  readonly title: string;
  readonly message: string;
  readonly remediation: string;
  readonly suppressed: boolean;
  /** The suppression's reason when `suppressed`. */
  readonly reason?: string;
  readonly checkov?: readonly string[];
}

export interface PolicyReport {
  /** Packs and rules that ran (ids only), so a report can be read without the code. */
  readonly packs: readonly { name: string; rules: readonly string[] }[];
  readonly stacks: readonly string[];
  readonly resourcesChecked: number;
  readonly findings: readonly Finding[];
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly suppressed: number;
  };
}
