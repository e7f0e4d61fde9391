import * as fs from 'fs';
import * as path from 'path';

/** The shell scripts the nodes run, kept as real files so that shellcheck and reviewers see them as written. */
export type NodeScript = 'k8s-bootstrap.sh' | 'kv-secret.sh' | 'k8s-ensure-token.sh' | 'readiness-gate.sh';

function scriptsDir(): string {
  // Source (jest, ts-node) runs from constructs/cluster; compiled code from dist/constructs/cluster, where tsc
  // does not copy .sh files: fall back to the repository's copy (as config/load.ts does for the environments).
  const here = path.join(__dirname, 'scripts');
  return fs.existsSync(here) ? here : path.resolve(__dirname, '..', '..', '..', 'constructs', 'cluster', 'scripts');
}

export function scriptPath(name: NodeScript): string {
  return path.join(scriptsDir(), name);
}

export function readScript(name: NodeScript): string {
  return fs.readFileSync(scriptPath(name), 'utf8');
}

/** Fills `@@NAME@@` placeholders; throws if one is left or a value is unsafe to paste into a script. */
export function fillTemplate(text: string, values: Record<string, string | number>): string {
  const out = text.replace(/@@([A-Z_]+)@@/g, (match, key: string) => {
    if (!(key in values)) throw new Error(`template placeholder ${match} has no value; allowed: ${Object.keys(values).join(', ')}`);
    const value = String(values[key]);
    if (!/^[A-Za-z0-9._-]*$/.test(value)) throw new Error(`value "${value}" for ${match} is not safe to paste into a script; allowed: letters, digits, . _ -`);
    return value;
  });
  return out;
}
