import { App, Testing } from 'cdktf';
import { loadEnvironments } from '../../config';
import { buildApp } from '../../stacks/app';

const cache = new Map<string, Record<string, any>>();

/** Synthesizes the shipped environment once per test file and returns every stack's JSON by stack id. */
export function synthEnvironment(env: 'dev' | 'prod'): Record<string, any> {
  const hit = cache.get(env);
  if (hit) return hit;
  const app: App = Testing.app();
  buildApp(app, loadEnvironments([env]));
  const out: Record<string, any> = {};
  for (const child of app.node.children) out[child.node.id] = JSON.parse(Testing.synth(child as any));
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
