import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdktf';
import { parseDocument } from 'yaml';
import { ConfigProblem, ENVIRONMENTS_DIR, LoadedEnvironment, parseEnvironment } from '../config';
import { TEST_ONLY_ALLOW_ZONES_UNLINKED_FROM_RESOLVER } from '../constructs/dns/private-dns-zones';
import { writeHandoff } from '../handoff';
import { buildApp } from '../stacks/app';

/**
 * Synthesizes environments (stacks + handoff) into a private directory for the lab, optionally from a mutated
 * configuration. A mutation that breaks a validated invariant must name the exact problem paths it expects the
 * validator to refuse (`expectRefusedAt`): the run fails unless the validator refuses exactly there, so the
 * override proves the guard and bypasses nothing else.
 */
export interface LabSynthOptions {
  readonly outdir: string;
  readonly envs: ReadonlyArray<string>;
  readonly mutate?: (input: Record<string, any>) => void;
  /** Problem paths the validator must report as errors for the mutated file; these (and only these) are bypassed. */
  readonly expectRefusedAt?: ReadonlyArray<string>;
  readonly configDir?: string;
}

export interface LabSynthResult {
  /** The validator's refusals that were bypassed (empty without a mutation). */
  readonly refused: ConfigProblem[];
}

export function labSynth(o: LabSynthOptions): LabSynthResult {
  const dir = o.configDir ?? (fs.existsSync(path.resolve(__dirname, '..', 'config', 'environments')) ? path.resolve(__dirname, '..', 'config', 'environments') : ENVIRONMENTS_DIR);
  const environments: LoadedEnvironment[] = [];
  const refused: ConfigProblem[] = [];
  for (const env of o.envs) {
    const file = path.join(dir, `${env}.yaml`);
    const input = parseDocument(fs.readFileSync(file, 'utf8')).toJS() as Record<string, any>;
    o.mutate?.(input);
    const { config, problems } = parseEnvironment(input, env);
    const errors = problems.filter((p) => p.severity === 'error');
    const expected = o.expectRefusedAt ?? [];
    const unexpected = errors.filter((p) => !expected.includes(p.path));
    if (!config || unexpected.length > 0) throw new Error(`${env}: the configuration is invalid beyond the intended mutation: ${unexpected.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    const missing = expected.filter((p) => !errors.some((e) => e.path === p));
    if (missing.length > 0) throw new Error(`${env}: the validator was expected to refuse ${missing.join(', ')} but did not`);
    refused.push(...errors);
    environments.push({ file, config, warnings: [] });
  }
  fs.rmSync(o.outdir, { recursive: true, force: true });
  const app = new App({ outdir: o.outdir, context: refused.some((p) => p.path === 'dns.zoneLinks') ? { [TEST_ONLY_ALLOW_ZONES_UNLINKED_FROM_RESOLVER]: true } : {} });
  buildApp(app, environments);
  app.synth();
  writeHandoff(o.outdir, environments);
  return { refused };
}
