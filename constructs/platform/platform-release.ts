import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { chartArchiveAsset } from './chart-archive';
import { CHART_VERSIONS, ChartName } from './chart-versions';
import { HelmValues, loadValuesFile, mergeValues } from './values';

export interface PlatformReleaseProps {
  /** Chart from the pinned map; the exact version and its verified archive come from there, never from the caller. */
  readonly chart: ChartName;
  /** Helm release name. @default the chart key in kebab case */
  readonly releaseName?: string;
  /** Namespace; created beforehand by the stack (the release never creates namespaces). */
  readonly namespace: string;
  /** Reviewed values file in stacks/platform/values/ (without `.yaml`). @default releaseName */
  readonly valuesFile?: string;
  /** Values computed from configuration, merged over the file (maps merge, lists and scalars replace). */
  readonly computedValues?: HelmValues;
  /** Values that are secrets or derived from secrets (`set_sensitive`: masked in plans, never in the values YAML). */
  readonly sensitiveValues?: Record<string, string>;
  /** Releases and resources that must exist first. */
  readonly dependsOn?: ITerraformDependable[];
  /** Seconds Helm waits for the release to become ready before rolling back. @default 600 */
  readonly timeoutSeconds?: number;
  readonly provider: HelmProvider;
}

/**
 * A pinned chart installed atomically: Helm waits for every resource to be ready and rolls back a failed install
 * or upgrade (`atomic`, `cleanup_on_fail`), so a failure never leaves a half-installed release behind. Values are
 * the reviewed YAML file plus the computed values, rendered as one YAML document. The chart is the checksum-verified
 * archive from charts/upstream/ shipped as a stack asset (the bytes test/charts/platform-render.test.ts renders).
 * `lint` makes plan run `helm lint` with these values (values schema, template errors), also for a release that
 * does not exist yet (helm provider 3.1.1 ModifyPlan); see docs/platform.md for what plan does not catch.
 */
export class PlatformRelease extends Construct {
  readonly release: Release;
  /** The merged values passed to Helm (without the sensitive ones). */
  readonly values: HelmValues;

  constructor(scope: Construct, id: string, props: PlatformReleaseProps) {
    super(scope, id);
    const pin = CHART_VERSIONS[props.chart];
    if (!pin) throw new Error(`chart "${String(props.chart)}" is not pinned; allowed: ${Object.keys(CHART_VERSIONS).join(', ')}`);
    const releaseName = props.releaseName ?? id;
    const timeout = props.timeoutSeconds ?? 600;
    if (!Number.isInteger(timeout) || timeout < 60 || timeout > 3600) {
      throw new Error(`timeoutSeconds for ${releaseName} is ${timeout}; allowed: an integer from 60 to 3600`);
    }
    this.values = mergeValues(loadValuesFile(props.valuesFile ?? releaseName), props.computedValues ?? {});

    const archive = chartArchiveAsset(this, pin);

    this.release = new Release(this, 'release', {
      provider: props.provider,
      name: releaseName,
      namespace: props.namespace,
      chart: archive.path,
      version: pin.version,
      lint: true,
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      waitForJobs: true,
      timeout,
      maxHistory: 5,
      // YAML 1.1 output: Helm reads values with a YAML 1.1 parser, so strings such as `on`, `yes` or an RFC 3339
      // timestamp must be quoted or they arrive as booleans and times.
      values: [stringify(this.values, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })],
      setSensitive: Object.entries(props.sensitiveValues ?? {}).map(([name, value]) => ({ name, value, type: 'string' })),
      dependsOn: props.dependsOn,
    });
  }
}
