// Bad values stop `helm template` (values.schema.json, or a template guard) with a message naming the value, so a
// mistake fails in the pull request instead of in the cluster.
import { CHART, DEV_VALUES, LOCAL_VALUES, PROD_VALUES, helm, render, renderError, setupHelm } from './helm';

let bin: string;
beforeAll(() => {
  bin = setupHelm();
});

// helm reports every schema violation at once: one render with all the bad values below, then one test per value
// checks that its own violation (named by its path) is reported. Each bad value has a distinct path.
const BAD_VALUES: [string, Record<string, string>, RegExp][] = [
  ['an unknown top-level key (typo)', { replicaCount: '3' }, /Additional property replicaCount is not allowed/],
  ['an unknown key under api', { 'api.replicas': '3' }, /api: Additional property replicas is not allowed/],
  ['an unknown key under the CronJob settings', { 'assigner.cronjob.concurrency': 'Forbid' }, /Additional property concurrency is not allowed/],
  ['concurrencyPolicy Allow (cycles would pile up)', { 'assigner.cronjob.concurrencyPolicy': 'Allow' }, /assigner\.cronjob\.concurrencyPolicy must be one of the following: "Forbid", "Replace"/],
  ['startingDeadlineSeconds under 10', { 'assigner.cronjob.startingDeadlineSeconds': '5' }, /startingDeadlineSeconds: Must be greater than or equal to 10/],
  ['an unknown assigner mode', { 'assigner.mode': 'both' }, /assigner\.mode must be one of the following: "cronjob", "worker"/],
  ['a malformed cron schedule', { 'assigner.cronjob.schedule': 'every minute' }, /assigner\.cronjob\.schedule: Does not match pattern/],
  ['a writable root filesystem', { 'securityContext.readOnlyRootFilesystem': 'false' }, /securityContext\.readOnlyRootFilesystem does not match: true/],
  ['privilege escalation', { 'securityContext.allowPrivilegeEscalation': 'true' }, /securityContext\.allowPrivilegeEscalation does not match: false/],
  ['running as root allowed', { 'podSecurityContext.runAsNonRoot': 'false' }, /podSecurityContext\.runAsNonRoot does not match: true/],
  ['a privileged container port', { 'api.containerPort': '80' }, /api\.containerPort: Must be greater than or equal to 1024/],
  ['an image digest that is not sha256', { 'image.digest': 'latest' }, /image\.digest: Does not match pattern/],
  ['an invalid pull policy', { 'image.pullPolicy': 'Sometimes' }, /image\.pullPolicy must be one of the following/],
  ['a scrape interval without unit', { 'metrics.serviceMonitor.interval': '30sec' }, /metrics\.serviceMonitor\.interval: Does not match pattern/],
  ['an ingress host with a scheme', { 'ingress.host': 'https://case-assigner.example' }, /ingress\.host: Does not match pattern/],
  ['HPA target over 100 %', { 'api.autoscaling.targetCPUUtilizationPercentage': '150' }, /targetCPUUtilizationPercentage: Must be less than or equal to 100/],
  ['a token written into settings', { 'settings.queue.auth.token': 'hunter2' }, /settings\.queue\.auth: Additional property token is not allowed/],
  ['a tokenEnv that is not an environment variable name', { 'settings.queue.auth.tokenEnv': 'queue-token' }, /tokenEnv: Does not match pattern/],
  ['a readiness level above 3', { 'settings.engineers[0].readiness.aks': '4' }, /readiness\.aks: Must be less than or equal to 3/],
  ['a minimum readiness of 0 (would accept "not ready")', { 'settings.severities.A.minReadiness': '0' }, /severities\.A\.minReadiness: Must be greater than or equal to 1/],
  ['a shift time that is not HH:MM', { 'settings.engineers[0].shift.start': '9am' }, /shift\.start: Does not match pattern/],
  ['a poll interval under 5 s', { 'settings.pollIntervalSeconds': '1' }, /pollIntervalSeconds: Must be greater than or equal to 5/],
  ['an unknown settings key', { 'settings.pollInterval': '60' }, /settings: Additional property pollInterval is not allowed/],
];

describe('values.schema.json rejects bad values', () => {
  let errors: string;
  beforeAll(() => {
    errors = renderError(bin, [PROD_VALUES], Object.assign({}, ...BAD_VALUES.map(([, set]) => set)));
  });

  it.each(BAD_VALUES)('%s', (_what, _set, message) => {
    expect(errors).toMatch(message);
  });

  it('lint --strict reports schema violations too', () => {
    const r = helm(bin, ['lint', '--strict', CHART, '-f', PROD_VALUES, '--set', 'assigner.cronjob.concurrencyPolicy=Allow']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/concurrencyPolicy must be one of the following/);
  });

  it('the compliant counterparts render', () => {
    expect(() => render(bin, [PROD_VALUES], { 'assigner.cronjob.concurrencyPolicy': 'Replace', 'assigner.cronjob.startingDeadlineSeconds': '10', 'image.digest': '', 'image.tag': '1.2.3', 'api.containerPort': '8080' })).not.toThrow();
  });
});

describe('template guards fail closed', () => {
  it('chart defaults alone do not render: no Secret source is chosen', () => {
    expect(renderError(bin, [])).toMatch(/set secret\.existingSecret to a Secret created outside git \(production\), or secret\.create=true with secret\.devValues \(development only\)/);
  });

  it('existingSecret and a chart-rendered Secret together are refused', () => {
    expect(renderError(bin, [PROD_VALUES], { 'secret.create': 'true', 'secret.devValues.DATABASE_URL': 'postgres://x/y' })).toMatch(/secret\.existingSecret and secret\.create are mutually exclusive/);
  });

  it('a development Secret without DATABASE_URL is refused', () => {
    expect(renderError(bin, [DEV_VALUES, LOCAL_VALUES], { 'secret.devValues.DATABASE_URL': '' })).toMatch(/secret\.devValues\.DATABASE_URL is empty/);
  });

  it('empty settings (the chart default) are refused; removing the engineers fails the schema', () => {
    expect(renderError(bin, [], { 'secret.existingSecret': 'case-assigner-runtime' })).toMatch(/settings is empty or has no engineers/);
    expect(renderError(bin, [PROD_VALUES], { 'settings.engineers': 'null' })).toMatch(/settings\.engineers: Invalid type\. Expected: array, given: null/);
  });

  it('an enabled ingress without a host is refused', () => {
    expect(renderError(bin, [PROD_VALUES], { 'ingress.host': '' })).toMatch(/ingress\.enabled is true but ingress\.host is empty/);
  });
});
