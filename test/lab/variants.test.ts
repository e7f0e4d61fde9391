/**
 * The three field failures and a proposal mismatch, reproduced in the lab from mutated configuration: each must
 * fail the expected check with the runbook's hint, and nothing else may fail (except across a missing tunnel).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLab } from '../../lab/lab';
import { labPrerequisites } from '../../lab/netns';
import { labSynth } from '../../lab/synth';
import { variantProblems, VARIANTS } from '../../lab/variants';

const shipped = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-variants-'));
const mutated = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-variants-mutated-'));
let refused: string[] = [];

beforeAll(() => {
  const why = labPrerequisites();
  if (why) throw new Error(`the hybrid lab cannot run on this machine: ${why}`);
  labSynth({ outdir: shipped, envs: ['dev'] });
  refused = labSynth({ outdir: mutated, envs: ['dev'], ...VARIANTS['zone-linked-to-spoke-only']!.synth }).refused.map((p) => p.path);
});
afterAll(() => {
  fs.rmSync(shipped, { recursive: true, force: true });
  fs.rmSync(mutated, { recursive: true, force: true });
});

it('the zone-link variant needs the explicit override: the validator refuses it, and the override bypasses only that', () => {
  const v = VARIANTS['zone-linked-to-spoke-only']!;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-variants-scratch-'));
  try {
    expect(() => labSynth({ outdir: scratch, envs: ['dev'], mutate: v.synth!.mutate })).toThrow(/dns\.zoneLinks: the privatelink zones are not linked to "hub"/);
    expect(() => labSynth({ outdir: scratch, envs: ['dev'], mutate: (i) => { v.synth!.mutate!(i); i.dns.resolver.inboundIp = '10.10.9.9'; }, expectRefusedAt: ['dns.zoneLinks'] })).toThrow(/beyond the intended mutation/);
    expect(refused).toContain('dns.zoneLinks');
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

describe.each(Object.entries(VARIANTS))('variant %s', (name, variant) => {
  it('fails the expected check with the expected hint', async () => {
    const result = await runLab({ outdir: variant.synth ? mutated : shipped, env: 'dev', ...(variant.onPremises ? { onPremises: variant.onPremises } : {}) });
    expect({ name, problems: variantProblems(variant, result.results) }).toEqual({ name, problems: [] });
  });
});

it('a policy strongSwan cannot express is reported as such, not replaced by another proposal', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-variants-dh-'));
  try {
    // The schema allows dhGroup None (Azure lists it); IKE cannot run without a Diffie-Hellman group.
    labSynth({ outdir: dir, envs: ['dev'], mutate: (i) => { i.vpn.ipsecPolicy.dhGroup = 'None'; } });
    const result = await runLab({ outdir: dir, env: 'dev' });
    expect(result.results[0]).toMatchObject({ id: 'tunnel', pass: false, observed: expect.stringMatching(/^not tested: proposal cannot be expressed for strongSwan: IKE DH group "None"/) });
    expect(result.notes.join('\n')).toMatch(/IKE needs a Diffie-Hellman group/);
    expect(fs.readFileSync(path.join(dir, 'handoff', 'dev', 'swanctl.conf'), 'utf8')).toMatch(/CANNOT BE EXPRESSED FOR strongSWAN/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
