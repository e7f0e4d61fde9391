import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { Password } from '@cdktf/provider-random/lib/password';
import type { PlatformConfig } from '../../config/schema/platform';
import { PlatformRelease } from './platform-release';

/** Secret holding Grafana's admin credentials (keys `admin-user`, `admin-password`). */
export const GRAFANA_ADMIN_SECRET = 'grafana-admin';

export interface MonitoringProps {
  readonly monitoring: PlatformConfig['monitoring'];
  /** Grafana always gets an ingress; Prometheus and Alertmanager only with a host (they have no login of their own). */
  readonly hosts: { readonly grafana: string; readonly prometheus?: string; readonly alertmanager?: string };
  readonly namespace: string;
  readonly storageClassName: string;
  readonly ingressClassName: string;
  readonly dependsOn?: ITerraformDependable[];
  readonly helm: HelmProvider;
  readonly kubernetes: KubernetesProvider;
}

/**
 * kube-prometheus-stack: the Prometheus operator and its CRDs, Prometheus, Alertmanager, Grafana, node-exporter and
 * kube-state-metrics. The reviewed values (stacks/platform/values/kube-prometheus-stack.yaml) hold the kubeadm scrape
 * fixes and the selector settings; this construct adds retention, volumes, replicas and host names from the
 * configuration, and Grafana's admin credentials as a Secret with a generated password (never in values or state
 * outputs in clear: the password is only in the random_password and the Secret).
 */
export class Monitoring extends Construct {
  readonly release: PlatformRelease;
  readonly adminPassword: Password;
  readonly hosts: MonitoringProps['hosts'];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { prometheus, alertmanager, grafana } = props.monitoring;
    this.hosts = props.hosts;
    const ingress = (host?: string) => (host ? { enabled: true, ingressClassName: props.ingressClassName, hosts: [host] } : { enabled: false });
    // Links in alerts and the UIs use the URL users reach: HTTPS on Traefik's default certificate. The chart would
    // derive http:// from an ingress without a tls block.
    const externalUrl = (host?: string) => (host ? { externalUrl: `https://${host}/` } : {});

    this.adminPassword = new Password(this, 'grafana-admin-password', { length: 32, special: false });
    const adminSecret = new SecretV1(this, 'grafana-admin', {
      provider: props.kubernetes,
      metadata: { name: GRAFANA_ADMIN_SECRET, namespace: props.namespace, labels: { 'app.kubernetes.io/part-of': 'platform' } },
      data: { 'admin-user': 'admin', 'admin-password': this.adminPassword.result },
    });

    const volume = (size: string) => ({
      spec: { storageClassName: props.storageClassName, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } },
    });
    this.release = new PlatformRelease(this, 'kube-prometheus-stack', {
      chart: 'kubePrometheusStack',
      namespace: props.namespace,
      computedValues: {
        prometheus: {
          prometheusSpec: {
            retention: prometheus.retention,
            ...(prometheus.retentionSize ? { retentionSize: prometheus.retentionSize } : {}),
            replicas: prometheus.replicas,
            storageSpec: { volumeClaimTemplate: volume(prometheus.storageSize) },
            ...externalUrl(this.hosts.prometheus),
          },
          ingress: ingress(this.hosts.prometheus),
        },
        alertmanager: {
          alertmanagerSpec: {
            retention: alertmanager.retention,
            replicas: alertmanager.replicas,
            storage: { volumeClaimTemplate: volume(alertmanager.storageSize) },
            ...externalUrl(this.hosts.alertmanager),
          },
          ingress: ingress(this.hosts.alertmanager),
        },
        grafana: {
          admin: { existingSecret: GRAFANA_ADMIN_SECRET, userKey: 'admin-user', passwordKey: 'admin-password' },
          persistence: { storageClassName: props.storageClassName, size: grafana.storageSize },
          ingress: ingress(this.hosts.grafana),
          'grafana.ini': { server: { root_url: `https://${this.hosts.grafana}` } },
        },
      },
      // CRDs, operator, three StatefulSets with volumes: first installs take a while on small nodes.
      timeoutSeconds: 900,
      dependsOn: [...(props.dependsOn ?? []), adminSecret],
      provider: props.helm,
    });
  }
}
