import { ConfigProblem, problem, warning } from '../problems';
import type { EnvironmentConfig } from '../schema';
import { PLATFORM_HOST_KEYS } from '../schema/platform';

/** Namespaces the platform stack owns; the workload must not land in one of them. */
export const PLATFORM_NAMESPACES = ['kube-system', 'tigera-operator', 'calico-system', 'traefik', 'local-path-storage', 'monitoring', 'argocd'] as const;

const BYTES: Record<string, number> = { Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, MB: 1e6, GB: 1e9, TB: 1e12 };

/** Bytes of a `10Gi` / `40GB` size (the schema has already checked the format). */
export function sizeBytes(size: string): number {
  const match = /^(\d+)([A-Za-z]+)$/.exec(size);
  if (!match || !BYTES[match[2]!]) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * BYTES[match[2]!]!;
}

/**
 * Semantic rules of the `platform` section:
 * - the zone of the platform host names must not sit under an on-premises domain: Azure forwards those zones to
 *   on-premises DNS, so Grafana and Argo CD would resolve nowhere (the field failure this stack exists to prevent);
 * - Grafana and Argo CD (and the tool, with `gitops`) need a host label in `cluster.ingress.hosts`;
 * - Prometheus' size-based retention must fit its volume, or the volume fills before retention applies;
 * - the workload namespace must not be a platform namespace;
 * - node-local storage in an environment tagged critical is reported (data is lost with the node).
 */
export function validatePlatform(config: EnvironmentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const { platform } = config;

  const zone = config.cluster.dns.zoneName;
  for (const [i, domain] of config.onPremises.dnsDomains.entries()) {
    if (zone === domain || zone.endsWith(`.${domain}`)) {
      problems.push(
        problem('cluster.dns.zoneName', `the zone of the platform host names is inside the on-premises domain "${domain}" (onPremises.dnsDomains.${i}), which the resolver forwards to on-premises DNS: Grafana and Argo CD would never resolve to the ingress load balancer`, {
          value: zone,
          allowed: `a zone outside ${config.onPremises.dnsDomains.join(', ')}, e.g. ${config.name}.${config.prefix}.internal`,
        }),
      );
    }
  }

  const hosts: Partial<Record<string, string>> = config.cluster.ingress.hosts;
  for (const [key, need] of Object.entries(PLATFORM_HOST_KEYS)) {
    if (hosts[key]) continue;
    if (need === 'required' || (need === 'workload' && platform.gitops)) {
      problems.push(problem('cluster.ingress.hosts', `no host label for "${key}": the platform publishes ${key === 'cases' ? 'the case-assignment tool' : key} through the ingress`, { value: hosts, allowed: `a map that includes ${key}: <label>` }));
    }
  }

  const { retentionSize, storageSize } = platform.monitoring.prometheus;
  if (retentionSize && sizeBytes(retentionSize) > 0.9 * sizeBytes(storageSize)) {
    problems.push(
      problem('platform.monitoring.prometheus.retentionSize', `retentionSize ${retentionSize} does not leave 10% headroom on the ${storageSize} volume: the volume fills up (and Prometheus stops) before size-based retention deletes blocks`, {
        value: retentionSize,
        allowed: `at most 90% of storageSize (${Math.floor((0.9 * sizeBytes(storageSize)) / 1e9)}GB)`,
      }),
    );
  }

  if (platform.gitops && (PLATFORM_NAMESPACES as readonly string[]).includes(platform.gitops.namespace)) {
    problems.push(problem('platform.gitops.namespace', 'the workload namespace is one the platform owns', { value: platform.gitops.namespace, allowed: `any namespace except ${PLATFORM_NAMESPACES.join(', ')}` }));
  }

  const database = platform.gitops?.database;
  if (database) {
    const postgres = config.services.postgres;
    if (!postgres) {
      problems.push(problem('platform.gitops.database', 'the tool\'s database is set but services.postgres is not configured, so there is no server to connect to', { value: database, allowed: 'configure services.postgres, or omit platform.gitops.database' }));
    } else if (!postgres.databases.includes(database)) {
      problems.push(problem('platform.gitops.database', 'not a database the services stack creates', { value: database, allowed: postgres.databases.join(', ') }));
    }
  }

  // The shipped environment files carry the nil GUID where the tool's Entra ID app registration goes: it validates,
  // but nobody could sign in, so say so at every synth until it is replaced (docs/deploy.md, first-deploy checklist).
  const auth = platform.gitops?.auth;
  for (const key of ['tenantId', 'clientId'] as const) {
    if (auth && /^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(auth[key])) {
      problems.push(warning(`platform.gitops.auth.${key}`, `is the nil GUID (a placeholder): nobody can sign in to the case-assignment tool until the ${key === 'tenantId' ? 'Entra ID tenant id' : 'client id of its Entra ID app registration'} is set (docs/platform.md, "Signing in to the tool")`, { value: auth[key], allowed: 'the real GUID' }));
    }
  }

  if (platform.storage.provider === 'local-path' && config.tags['criticality'] === 'high') {
    problems.push(
      warning('platform.storage.provider', 'node-local volumes in an environment tagged criticality=high: Prometheus, Alertmanager and Grafana data are lost when a node is replaced', {
        value: 'local-path',
        allowed: 'azure-disk',
      }),
    );
  }
  return problems;
}
