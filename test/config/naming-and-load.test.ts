import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { ConfigError, loadEnvironments } from '../../config';
import { validateNames } from '../../config/validate/naming';
import { errorsAt, problemsAfter, rawEnvironment } from '../helpers/env';
import { synthesize } from '../../scripts/synth';

describe('names and loading', () => {
  test('environment and prefix names follow the schema', () => {
    expect(errorsAt(problemsAfter((env) => (env.prefix = 'Hyb_1')), 'prefix')[0].message).toMatch(/lower-case/);
    expect(errorsAt(problemsAfter((env) => (env.location = 'mars-north')), 'location')[0].allowed).toContain('"westeurope"');
    expect(errorsAt(problemsAfter((env) => (env.name = 'prod')), 'name')[0].allowed).toBe('"dev"');
  });

  test('derived names are checked against Azure naming rules', () => {
    const env = rawEnvironment('dev');
    const problems = validateNames({ ...env, prefix: 'x'.repeat(70), network: { ...env.network, spokes: env.network.spokes } } as any);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].allowed).toMatch(/characters/);
    expect(problems[0].message).toMatch(/breaks Azure's naming rule/);
  });

  test('unknown keys are reported with their path', () => {
    const problems = problemsAfter((env) => (env.vpn.sharedKey = 'hunter2'));
    expect(errorsAt(problems, 'vpn')[0].message).toMatch(/sharedKey/);
  });

  function tempEnvDir(envs: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envs-'));
    for (const [name, env] of Object.entries(envs)) fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(env));
    return dir;
  }

  test('bad input in any file stops everything and lists every problem of every file', () => {
    const dev = rawEnvironment('dev');
    const prod = rawEnvironment('prod');
    dev.vpn.dpdTimeoutSeconds = 1;
    prod.network.hub.subnets.GatewaySubnet = '10.100.0.0/30';
    const dir = tempEnvDir({ dev, prod });
    let error: unknown;
    try {
      loadEnvironments(undefined, dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/dev\.yaml: error at vpn\.dpdTimeoutSeconds/);
    expect(message).toMatch(/prod\.yaml: error at network\.hub\.subnets\.GatewaySubnet/);
  });

  test('synth writes nothing when the configuration is invalid', () => {
    const dev = rawEnvironment('dev');
    dev.vpn.sku = 'VpnGw1';
    const dir = tempEnvDir({ dev });
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'out-')), 'cdktf.out');
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(synthesize(outdir, undefined, dir)).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('YAML syntax errors are reported, not thrown raw', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envs-'));
    fs.writeFileSync(path.join(dir, 'dev.yaml'), 'name: dev\nname: again\n');
    expect(() => loadEnvironments(undefined, dir)).toThrow(/YAML syntax/);
  });
});
