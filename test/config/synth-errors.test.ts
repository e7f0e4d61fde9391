/** A construct that refuses a value after validation passed: `npm run synth` prints one redacted line, no stack trace. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.mock('../../stacks/app', () => ({
  buildApp: () => {
    throw new Error('dev-services/key-vault: name "Tq7#vLm2!pXr9$Wz"; allowed: 3-24 letters');
  },
}));
import { synthesize } from '../../scripts/synth';

test('one line, the secret-looking value hidden, exit code 1', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-errors-'));
  const errors: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
  const logs = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    expect(synthesize(outdir, ['dev'])).toBe(1);
  } finally {
    spy.mockRestore();
    logs.mockRestore();
    fs.rmSync(outdir, { recursive: true, force: true });
  }
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^synth failed, nothing usable was written: dev-services\/key-vault: name "<hidden: looks like a secret, 16 characters>"; allowed: 3-24 letters$/);
  expect(errors[0]).not.toMatch(/\n\s+at /);
});
