/**
 * `npm run verify` against its test double, the lab: verify's own check construction (from the synthesized plan,
 * an outputs file and a site addresses file) run inside the lab's namespaces, on-premises roles and the
 * pipeline agent's Azure-side checks. Plus the output readers and the Azure-side judges without namespaces.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { judgeAll } from '../../lab/checks';
import { runLab } from '../../lab/lab';
import { labPrerequisites } from '../../lab/netns';
import { labSynth } from '../../lab/synth';
import { VARIANTS } from '../../lab/variants';
import { agentChecks, flattenOutputs, synthesizedOutputs, verifyChecks, verifyInputs } from '../../lab/verify';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-test-'));
beforeAll(() => {
  const why = labPrerequisites();
  if (why) throw new Error(`the hybrid lab cannot run on this machine: ${why}`);
  labSynth({ outdir, envs: ['dev'] });
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('outputs', () => {
  it('reads cdktf --outputs-file, terraform output -json and flat maps; drops unresolved expressions', () => {
    expect(flattenOutputs({ 'dev-cluster': { api_server_ip: '10.20.0.250' } })).toEqual({ api_server_ip: '10.20.0.250' });
    expect(flattenOutputs({ api_server_ip: { value: '10.20.0.250', sensitive: false } })).toEqual({ api_server_ip: '10.20.0.250' });
    expect(flattenOutputs({ ingress_ca_certificate: '${tls_self_signed_cert.x.cert_pem}', ingress_ip: '10.20.0.251' })).toEqual({ ingress_ip: '10.20.0.251' });
  });
  it('takes the literal synthesized outputs as defaults (API IP, host names)', () => {
    const o = synthesizedOutputs(outdir, 'dev');
    expect(o.api_server_ip).toBe('10.20.0.250');
    expect((o.host_names as Record<string, string>).prometheus).toBe('prometheus.dev.hyb.internal');
    expect(o.ingress_ca_certificate).toBeUndefined();
  });
});

describe('Azure-side judges', () => {
  const inputs = () => verifyInputs({ outdir, env: 'dev' });
  const byId = (id: string) => agentChecks(inputs().model, inputs().outputs, {}).find((c) => c.id === id)!;
  it('Prometheus: every active target up passes; a down target fails naming it', () => {
    const c = byId('prometheus-targets');
    expect(c.judge({ ok: true, ms: 1, body: JSON.stringify({ data: { activeTargets: [{ health: 'up' }] } }) })).toBeUndefined();
    expect(c.judge({ ok: true, ms: 1, body: JSON.stringify({ data: { activeTargets: [{ health: 'up' }, { health: 'down', labels: { job: 'case-assigner' }, lastError: 'connection refused' }] } }) })?.observed).toMatch(/1\/2 down: case-assigner/);
  });
  it('Argo CD: a missing kubectl is reported as skipped, never as passed; a degraded app fails', () => {
    const c = byId('argocd');
    const [skipped] = judgeAll([c], [{ ok: false, error: 'ENOENT', ms: 1 }]);
    expect(skipped).toMatchObject({ pass: false, skipped: true });
    const items = [{ metadata: { name: 'case-assigner' }, status: { health: { status: 'Degraded' }, sync: { status: 'Synced' } } }];
    expect(c.judge({ ok: true, ms: 1, body: JSON.stringify({ items }) })?.observed).toBe('case-assigner: Degraded/Synced');
  });
  it('readyz: 200 ok passes, anything else fails with the cluster hint', () => {
    const c = byId('readyz');
    expect(c.judge({ ok: true, status: 200, body: 'ok', ms: 1 })).toBeUndefined();
    expect(c.judge({ ok: false, error: 'ETIMEDOUT', ms: 1 })?.hint).toMatch(/internal load balancer/);
  });
});

function verifyAgainstLab(onPremises?: (typeof VARIANTS)[string]['onPremises']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-files-'));
  return runLab({
    outdir, env: 'dev', ...(onPremises ? { onPremises } : {}),
    checks: (ctx) => {
      // What a site would write: the applied stacks' outputs and its own addresses.
      const outputsFile = path.join(dir, 'outputs.json');
      const addressesFile = path.join(dir, 'site.json');
      fs.writeFileSync(outputsFile, JSON.stringify({ 'dev-cluster': { ca_cert_pem: ctx.outputs.ca_cert_pem }, 'dev-platform': { ingress_ca_certificate: ctx.outputs.ingress_ca_certificate } }));
      fs.writeFileSync(addressesFile, JSON.stringify({ onPremisesDns: ctx.dnsIps[0], sourceAddress: ctx.clientIp, onPremisesNames: ctx.onPremisesNames }));
      return verifyChecks(verifyInputs({ outdir, env: 'dev', outputsFile, addressesFile }), ['client', 'dns', 'appliance', 'agent']);
    },
  }).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

it('verify passes against the lab: on-premises runbook and the agent checks (TLS verified with the outputs CA)', async () => {
  const { results } = await verifyAgainstLab();
  const failed = results.filter((r) => !r.pass && !r.skipped).map((r) => `${r.id}: ${r.observed}`);
  expect(failed).toEqual([]);
  for (const id of ['tunnel', 'readyz', 'prometheus-targets', 'outbound:corp.example.com']) expect(results.find((r) => r.id === id)?.pass).toBe(true);
  expect(results.some((r) => r.id.startsWith('agent-dns:') && r.pass)).toBe(true);
  expect(results.filter((r) => r.skipped).map((r) => r.id)).toEqual(['argocd']);
});

it('verify maps a broken site to the runbook hint (no conditional forwarders)', async () => {
  const { results } = await verifyAgainstLab(VARIANTS['no-conditional-forwarders']!.onPremises);
  const dns = results.filter((r) => r.id.startsWith('dns:'));
  expect(dns.length).toBeGreaterThan(0);
  for (const r of dns) expect(r).toMatchObject({ pass: false, hint: expect.stringMatching(/lacks the conditional forwarders/) });
  expect(results.filter((r) => r.id.startsWith('agent-')).every((r) => r.pass)).toBe(true);
});
