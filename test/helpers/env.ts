import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'yaml';
import { App, Testing } from 'cdktf';
import { ConfigProblem, loadEnvironments, parseEnvironment } from '../../config';
import { buildApp } from '../../stacks/app';

export const REPO = path.resolve(__dirname, '..', '..');
export const ENV_DIR = path.join(REPO, 'config', 'environments');

/** The raw YAML of a shipped environment, as a mutable object. */
export function rawEnvironment(name: 'dev' | 'prod' = 'dev'): any {
  return parse(fs.readFileSync(path.join(ENV_DIR, `${name}.yaml`), 'utf8'));
}

/** Validates a modified copy of a shipped environment and returns every problem. */
export function problemsAfter(change: (env: any) => void, base: 'dev' | 'prod' = 'dev'): ConfigProblem[] {
  const env = rawEnvironment(base);
  change(env);
  return parseEnvironment(env, base).problems;
}

export function errorsAt(problems: ConfigProblem[], pathPrefix: string): ConfigProblem[] {
  return problems.filter((p) => p.severity === 'error' && p.path.startsWith(pathPrefix));
}

/**
 * Builds the real app for the shipped environments, synthesizes it as `cdktf synth` does (so cross-stack
 * references become remote state, unlike Testing.synth of one stack) and returns each stack's JSON by id.
 */
export function synthesizeAll(): Record<string, any> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-all-'));
  const app: App = Testing.app({ outdir });
  buildApp(app, loadEnvironments());
  app.synth();
  const out: Record<string, any> = {};
  for (const child of app.node.children) {
    out[child.node.id] = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', child.node.id, 'cdk.tf.json'), 'utf8'));
  }
  fs.rmSync(outdir, { recursive: true, force: true });
  return out;
}

/** Resources of one type in a synthesized stack, by Terraform name. */
export function resources(stack: any, type: string): Record<string, any> {
  return stack.resource?.[type] ?? {};
}
