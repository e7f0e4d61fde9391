/**
 * Every leaf of the shipped dev environment replaced by a secret-looking string, a 300-character run and a wrong type:
 * the loader always answers with a ConfigError (never another exception, so never a stack trace from synth), and the
 * printed error holds neither the secret nor 200 characters of the long value.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ConfigError, loadEnvironments } from '../../config';
import { rawEnvironment } from '../helpers/env';

const SECRET = 'Tq7#vLm2!pXr9$Wz';
const LONG = 'x'.repeat(300);

test('no value at any path escapes as an exception or a leak', () => {
  const base = rawEnvironment('dev');
  const leaves: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, Array.isArray(v) ? Number(k) : k]);
    else leaves.push(p);
  };
  walk(base, []);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'every-path-'));
  const problems: string[] = [];
  try {
    for (const leaf of leaves) {
      for (const bad of [SECRET, LONG, { nested: [1] }]) {
        const env = JSON.parse(JSON.stringify(base));
        let o = env;
        for (const k of leaf.slice(0, -1)) o = o[k];
        o[leaf[leaf.length - 1]!] = bad;
        fs.writeFileSync(path.join(dir, 'dev.yaml'), stringify(env));
        try {
          loadEnvironments(['dev'], dir);
        } catch (error) {
          const where = `${leaf.join('.')}=${JSON.stringify(bad).slice(0, 20)}`;
          if (!(error instanceof ConfigError)) problems.push(`${where}: ${String(error)}`);
          else if ((error as Error).message.includes(SECRET) || (error as Error).message.includes(LONG.slice(0, 200))) problems.push(`${where}: leaked`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  expect(leaves.length).toBeGreaterThan(50);
  expect(problems).toEqual([]);
});
