import type { EnvironmentConfig } from '../config';

/**
 * A name other work wants on-premises clients to resolve through the resolver (e.g. ingress host names of the
 * cluster). The handoff adds it to the runbook (expected answer), the hosts-file fallback and, with
 * `forwardZone`, to the conditional forwarders. The zone itself must be a private DNS zone linked to the
 * resolver VNet (created by the work that registers the record), or the inbound endpoint cannot answer.
 */
export interface HandoffRecord {
  readonly fqdn: string;
  /** Expected address; omit when it is only known after deployment. */
  readonly ip?: string;
  /** Zone on-premises DNS must forward to the inbound endpoint for this name, e.g. `dev.hyb.internal`. */
  readonly forwardZone?: string;
  /** What the name is for (shown in the tables). */
  readonly purpose: string;
}

export type HandoffRecordSource = (config: EnvironmentConfig) => ReadonlyArray<HandoffRecord>;

const sources: HandoffRecordSource[] = [];

/**
 * Registers a source of extra records, evaluated per environment at synth. Call it at module load of the code
 * that owns the names, e.g. in the cluster stack module:
 *   registerHandoffRecords((config) => [{ fqdn: `argocd.${config.platform.domain}`, forwardZone: config.platform.domain, purpose: 'Argo CD' }]);
 */
export function registerHandoffRecords(source: HandoffRecordSource): void {
  sources.push(source);
}

/** Every registered record for one environment (registration order). */
export function extraRecords(config: EnvironmentConfig, extra: ReadonlyArray<HandoffRecordSource> = []): HandoffRecord[] {
  return [...sources, ...extra].flatMap((source) => source(config));
}
