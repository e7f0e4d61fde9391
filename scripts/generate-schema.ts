import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { environmentSchema } from '../config/schema';

// Source runs from scripts/, compiled code from dist/scripts/: the repository root is where package.json is.
const REPO_ROOT = fs.existsSync(path.resolve(__dirname, '..', 'package.json')) ? path.resolve(__dirname, '..') : path.resolve(__dirname, '..', '..');

/** Where editors find the schema (see the `yaml-language-server` comment on top of each environment file). */
export const SCHEMA_FILE = path.join(REPO_ROOT, 'config', 'environment.schema.json');

/** The JSON schema of an environment file, generated from the zod schema (input side: defaults are optional). */
export function environmentJsonSchema(): string {
  // draft-07: the dialect yaml-language-server and most editors support best.
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return JSON.stringify({ ...schema, title: 'Environment configuration (config/environments/<env>.yaml)' }, null, 2) + '\n';
}

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, environmentJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
