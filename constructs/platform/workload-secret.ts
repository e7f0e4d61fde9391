import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';

/** The Secret the tool's chart reads (`secret.existingSecret`). */
export const CASE_ASSIGNER_RUNTIME_SECRET = 'case-assigner-runtime';
/** Keys operators add to that Secret by hand (from Key Vault); Terraform leaves them alone. */
export const OPERATOR_MANAGED_KEYS = ['QUEUE_API_TOKEN', 'ASSIGNMENT_API_TOKEN'] as const;

/** Connection to the tool's PostgreSQL database, as the services stack exposes it. */
export interface DatabaseConnection {
  /** Server FQDN (resolves to the private endpoint). */
  readonly host: string;
  readonly user: string;
  /** Sensitive: a reference to the services stack's generated password. */
  readonly password: string;
}

export interface WorkloadSecretProps {
  readonly namespace: string;
  readonly database: DatabaseConnection;
  readonly databaseName: string;
  readonly provider: KubernetesProvider;
}

/**
 * `case-assigner-runtime`: DATABASE_URL to the private PostgreSQL server, TLS required (Azure's flexible server
 * enforces it). The API tokens of the queue and assignment APIs are not Terraform's to know: operators add them
 * (`kubectl -n <ns> patch secret ...` from Key Vault) and `ignore_changes` keeps Terraform from removing them.
 */
export class WorkloadSecret extends Construct {
  readonly secret: SecretV1;

  constructor(scope: Construct, id: string, props: WorkloadSecretProps) {
    super(scope, id);
    const { host, user, password } = props.database;
    this.secret = new SecretV1(this, 'secret', {
      provider: props.provider,
      metadata: { name: CASE_ASSIGNER_RUNTIME_SECRET, namespace: props.namespace, labels: { 'app.kubernetes.io/part-of': 'platform', 'app.kubernetes.io/component': 'workload' } },
      data: {
        DATABASE_URL: `postgres://${Fn.urlencode(user)}:${Fn.urlencode(password)}@${host}:5432/${props.databaseName}?sslmode=require`,
      },
      lifecycle: { ignoreChanges: OPERATOR_MANAGED_KEYS.map((k) => `data["${k}"]`) },
    });
  }
}
