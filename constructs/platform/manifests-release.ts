import * as fs from 'fs';
import * as path from 'path';
import { AssetType, ITerraformDependable, TerraformAsset, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { parse, stringify } from 'yaml';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { Release } from '@cdktf/provider-helm/lib/release';
import { markCriticalPath } from '../critical-path-hint';

/** A Kubernetes object as plain data. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string>; readonly finalizers?: string[] };
  readonly [key: string]: unknown;
}

/** The local chart that renders `.Values.manifests`: stacks/platform/charts/platform-manifests. */
export function manifestsChartDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'stacks', 'platform', 'charts', 'platform-manifests'), path.resolve(__dirname, '..', '..', '..', 'stacks', 'platform', 'charts', 'platform-manifests')];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'Chart.yaml')));
  if (!found) throw new Error(`platform-manifests chart not found; looked in ${candidates.join(', ')}`);
  return found;
}

/** One copy of the chart per stack, shared by every ManifestsRelease in it. */
function chartAsset(scope: Construct, dir: string): TerraformAsset {
  const stack = TerraformStack.of(scope);
  const id = 'platform-manifests-chart';
  return (stack.node.tryFindChild(id) as TerraformAsset | undefined) ?? new TerraformAsset(stack, id, { path: dir, type: AssetType.DIRECTORY });
}

export interface ManifestsReleaseProps {
  readonly releaseName: string;
  /** Namespace of the release record (the objects carry their own namespaces). */
  readonly namespace: string;
  readonly manifests: ReadonlyArray<KubernetesObject>;
  readonly dependsOn?: ITerraformDependable[];
  /** @default 300 */
  readonly timeoutSeconds?: number;
  readonly provider: HelmProvider;
}

/**
 * Custom resources (Calico policies, Argo CD Applications) installed through a tiny local chart, the GitOps Bridge
 * pattern: Helm resolves kinds at apply time, after the CRDs exist, while kubernetes_manifest would need them at plan
 * time. The chart ships with the synthesized stack as an asset, so the pipeline needs no chart repository for it.
 */
export class ManifestsRelease extends Construct {
  readonly release: Release;
  readonly manifests: ReadonlyArray<KubernetesObject>;

  constructor(scope: Construct, id: string, props: ManifestsReleaseProps) {
    super(scope, id);
    if (props.manifests.length === 0) throw new Error(`${props.releaseName}: no manifests to install`);
    const seen = new Set<string>();
    for (const m of props.manifests) {
      const key = `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
      if (seen.has(key)) throw new Error(`${props.releaseName}: duplicate object ${key}`);
      seen.add(key);
    }
    this.manifests = props.manifests;
    const dir = manifestsChartDir();
    const chartVersion = String((parse(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as { version: string }).version);
    const chart = chartAsset(this, dir);

    this.release = new Release(this, 'release', {
      provider: props.provider,
      name: props.releaseName,
      namespace: props.namespace,
      chart: chart.path,
      version: chartVersion,
      createNamespace: false,
      atomic: true,
      cleanupOnFail: true,
      wait: true,
      timeout: props.timeoutSeconds ?? 300,
      lint: true,
      maxHistory: 5,
      values: [stringify({ manifests: props.manifests }, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' })],
      dependsOn: props.dependsOn,
    });
    // Custom resources only: nothing for --wait to wait on, so the time estimate counts seconds, not a chart install.
    markCriticalPath(this.release, { activity: 'helm-manifests' });
  }
}
