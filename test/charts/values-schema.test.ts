// Bad values stop `helm template` (values.schema.json, or a template guard) with a message naming the value, so a
// mistake fails in the pull request instead of in the cluster.
import { CHART, DEV_VALUES, LOCAL_VALUES, PROD_VALUES, PLATFORM_AUTH_VALUES, helm, render, renderError, setupHelm } from './helm';

const PROD = [PROD_VALUES, PLATFORM_AUTH_VALUES];

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
  ['an unknown auth mode', { 'auth.mode': 'open' }, /auth\.mode must be one of the following: "forward-auth", "bearer", "none"/],
  ['an Entra tenant id that is not a GUID', { 'auth.entraId.tenantId': 'contoso.onmicrosoft.com' }, /auth\.entraId\.tenantId: Does not match pattern/],
  ['an oauth2-proxy digest that is not sha256', { 'auth.oauth2Proxy.image.digest': 'latest' }, /auth\.oauth2Proxy\.image\.digest: Does not match pattern/],
  ['a client secret written into values', { 'auth.oauth2Proxy.clientSecret': 'hunter2' }, /auth\.oauth2Proxy: Additional property clientSecret is not allowed/],
];

describe('values.schema.json rejects bad values', () => {
  let errors: string;
  beforeAll(() => {
    errors = renderError(bin, PROD, Object.assign({}, ...BAD_VALUES.map(([, set]) => set)));
  });

  it.each(BAD_VALUES)('%s', (_what, _set, message) => {
    expect(errors).toMatch(message);
  });

  it('lint --strict reports schema violations too', () => {
    const r = helm(bin, ['lint', '--strict', CHART, '-f', PROD_VALUES, '-f', PLATFORM_AUTH_VALUES, '--set', 'assigner.cronjob.concurrencyPolicy=Allow']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/concurrencyPolicy must be one of the following/);
  });

  it('the queue-reading keys the tool validates (pagination, listsAllOpenCases, caseUrl, fields.slaDeadline) are accepted', () => {
    expect(() => render(bin, PROD, {
      'settings.queue.pagination.nextPath': 'nextPageToken', 'settings.queue.pagination.param': 'pageToken',
      'settings.queue.pagination.pageSizeParam': 'pageSize', 'settings.queue.pagination.pageSize': '200',
      'settings.queue.listsAllOpenCases': 'true', 'settings.queue.caseUrl': 'https://support-queue.internal.example/api/v2/cases/{id}',
      'settings.queue.fields.slaDeadline': 'slaDueAt',
    })).not.toThrow();
    expect(renderError(bin, PROD, { 'settings.queue.pagination.nextPath': 'next' })).toMatch(/pagination: param is required/);
  });

  it('the compliant counterparts render', () => {
    expect(() => render(bin, PROD, { 'assigner.cronjob.concurrencyPolicy': 'Replace', 'assigner.cronjob.startingDeadlineSeconds': '10', 'image.digest': '', 'image.tag': '1.2.3', 'api.containerPort': '8080' })).not.toThrow();
  });
});

describe('template guards fail closed', () => {
  it('chart defaults alone do not render: no Secret source is chosen', () => {
    expect(renderError(bin, [])).toMatch(/set secret\.existingSecret to a Secret created outside git \(production\), or secret\.create=true with secret\.devValues \(development only\)/);
  });

  it('existingSecret and a chart-rendered Secret together are refused', () => {
    expect(renderError(bin, PROD, { 'secret.create': 'true', 'secret.devValues.DATABASE_URL': 'postgres://x/y' })).toMatch(/secret\.existingSecret and secret\.create are mutually exclusive/);
  });

  it('a development Secret without DATABASE_URL is refused', () => {
    expect(renderError(bin, [DEV_VALUES, LOCAL_VALUES], { 'secret.devValues.DATABASE_URL': '' })).toMatch(/secret\.devValues\.DATABASE_URL is empty/);
  });

  it('empty settings (the chart default) are refused; removing the engineers fails the schema', () => {
    expect(renderError(bin, [], { 'secret.existingSecret': 'case-assigner-runtime' })).toMatch(/settings is empty or has no engineers/);
    expect(renderError(bin, PROD, { 'settings.engineers': 'null' })).toMatch(/settings\.engineers: Invalid type\. Expected: array, given: null/);
  });

  it('an Ingress without authentication is refused (schema, and the template guard naming the fix); allowAnonymous publishes it', () => {
    expect(renderError(bin, PROD, { 'auth.mode': 'none' })).toMatch(/auth\.allowAnonymous does not match: true/);
    const guard = helm(bin, ['template', 'ca', CHART, '-f', PROD_VALUES, '-f', PLATFORM_AUTH_VALUES, '--set', 'auth.mode=none', '--skip-schema-validation']);
    expect(guard.status).not.toBe(0);
    expect(guard.stderr).toMatch(/ingress\.enabled is true with auth\.mode none: .*auth\.allowAnonymous=true/);
    const anonymous = render(bin, PROD, { 'auth.mode': 'none', 'auth.allowAnonymous': 'true' }).docs;
    expect(anonymous.filter((d) => d.kind === 'Middleware')).toEqual([]);
    expect(anonymous.find((d) => d.kind === 'Ingress')!.metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares']).toBeUndefined();
    // Without an Ingress nothing is published, so mode none needs no flag (the local overlay).
    expect(() => render(bin, [DEV_VALUES, LOCAL_VALUES])).not.toThrow();
  });

  it('sign-in without the Entra app registration ids or the proxy\'s Secret is refused (the environments\' values alone lack them)', () => {
    expect(renderError(bin, [PROD_VALUES])).toMatch(/needs auth\.entraId\.tenantId and auth\.entraId\.clientId/);
    expect(renderError(bin, PROD, { 'auth.oauth2Proxy.existingSecret': '' })).toMatch(/needs auth\.oauth2Proxy\.existingSecret/);
  });

  it('settings.api.auth.mode contradicting auth.mode is refused (the chart writes the mode into the settings)', () => {
    expect(renderError(bin, PROD, { 'settings.api.auth.mode': 'none' })).toMatch(/settings\.api\.auth\.mode is "none" but auth\.mode is "forward-auth"/);
  });

  it('an enabled ingress without a host is refused', () => {
    expect(renderError(bin, PROD, { 'ingress.host': '' })).toMatch(/ingress\.enabled is true but ingress\.host is empty/);
  });
});
