import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { environmentJsonSchema } from '../../scripts/generate-schema';
import { rawEnvironment, REPO } from '../helpers/env';

const file = path.join(REPO, 'config', 'environment.schema.json');

describe('generated JSON schema for editors', () => {
  test('is up to date (run `npm run schema` after changing config/schema)', () => {
    expect(fs.readFileSync(file, 'utf8')).toBe(environmentJsonSchema());
  });

  test('accepts the shipped environments and rejects an unknown key', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(file, 'utf8')));
    for (const env of ['dev', 'prod'] as const) expect(validate(rawEnvironment(env))).toBe(true);
    const bad = rawEnvironment('dev');
    bad.vpn.sharedKey = 'literal';
    expect(validate(bad)).toBe(false);
  });
});
