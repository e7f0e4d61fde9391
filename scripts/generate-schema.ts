import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { environmentSchema } from '../config/schema';

/** Where editors find the schema (see the `yaml-language-server` comment on top of each environment file). */
export const SCHEMA_FILE = path.resolve(__dirname, '..', '..', 'config', 'environment.schema.json');

/** The JSON schema of an environment file, generated from the zod schema (input side: defaults are optional). */
export function environmentJsonSchema(): string {
  const schema = z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify({ ...schema, title: 'Environment configuration (config/environments/<env>.yaml)' }, null, 2) + '\n';
}

if (require.main === module) {
  const target = fs.existsSync(path.resolve(__dirname, '..', 'config', 'schema')) ? path.resolve(__dirname, '..', 'config', 'environment.schema.json') : SCHEMA_FILE;
  fs.writeFileSync(target, environmentJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
