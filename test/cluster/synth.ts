import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';

export interface Synthesized {
  /** The app's output directory (cdktf.out layout), for the policy pack. */
  readonly outdir: string;
  /** Every stack's cdk.tf.json by stack id, with cross-stack references resolved as `cdktf synth` does. */
  readonly stacks: Record<string, any>;
}

const cache = new Map<string, Synthesized>();

/** Synthesizes the shipped environment once per test file (a full app.synth(), not per-stack Testing.synth). */
export function synthEnvironment(env: 'dev' | 'prod'): Synthesized {
  const hit = cache.get(env);
  if (hit) return hit;
  const app = Testing.app();
  buildApp(app, loadEnvironments([env]));
  app.synth();
  const dir = path.join(app.outdir, 'stacks');
  const stacks = Object.fromEntries(fs.readdirSync(dir).map((id) => [id, JSON.parse(fs.readFileSync(path.join(dir, id, 'cdk.tf.json'), 'utf8'))]));
  const out = { outdir: app.outdir, stacks };
  cache.set(env, out);
  return out;
}

/** Resources of one type in a synthesized stack, by Terraform name. */
export function resourcesOf(stack: any, type: string): Record<string, any> {
  return stack.resource?.[type] ?? {};
}

export function list(stack: any, type: string): any[] {
  return Object.values(resourcesOf(stack, type));
}
