import { Construct } from 'constructs';
import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { LocallySignedCert } from '@cdktf/provider-tls/lib/locally-signed-cert';
import { CertRequest } from '@cdktf/provider-tls/lib/cert-request';
import { PrivateKey } from '@cdktf/provider-tls/lib/private-key';
import { SelfSignedCert } from '@cdktf/provider-tls/lib/self-signed-cert';

export interface IngressTlsProps {
  /** Platform domain; the certificate covers `<domain>` and `*.<domain>`. */
  readonly domain: string;
  /** Namespace of the ingress controller (Traefik reads its default certificate there). */
  readonly namespace: string;
  /** Name of the `kubernetes.io/tls` Secret. */
  readonly secretName: string;
  /** `self-signed-ca` generates CA + leaf here; `existing-secret` only names a Secret created out of band. */
  readonly source: 'self-signed-ca' | 'existing-secret';
  /** Leaf validity in days. @default 365 */
  readonly validityDays?: number;
  /** Organisation written in the certificate subjects. */
  readonly organization: string;
  readonly provider: KubernetesProvider;
}

/**
 * The certificate Traefik serves for every platform host. In `self-signed-ca` mode Terraform creates a private CA
 * (ECDSA P-256, 5 years) and a wildcard leaf signed by it (renewed by Terraform 30 days before expiry); clients
 * trust the CA, which is published as a stack output. The CA key is in Terraform state: keep state encrypted and
 * access-controlled, or switch to `existing-secret` with a certificate from the enterprise PKI.
 */
export class IngressTls extends Construct {
  readonly secretName: string;
  /** PEM of the CA to distribute to clients (self-signed mode only). */
  readonly caCertificatePem?: string;
  readonly secret?: SecretV1;

  constructor(scope: Construct, id: string, props: IngressTlsProps) {
    super(scope, id);
    this.secretName = props.secretName;
    if (props.source === 'existing-secret') return;

    const validityDays = props.validityDays ?? 365;
    if (!Number.isInteger(validityDays) || validityDays < 30 || validityDays > 825) {
      throw new Error(`validityDays is ${validityDays}; allowed: 30 to 825 (browsers reject longer-lived leaf certificates)`);
    }
    const caKey = new PrivateKey(this, 'ca-key', { algorithm: 'ECDSA', ecdsaCurve: 'P256' });
    const ca = new SelfSignedCert(this, 'ca', {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 5 * 365 * 24,
      allowedUses: ['cert_signing', 'crl_signing'],
      subject: [{ commonName: `${props.domain} platform CA`, organization: props.organization }],
    });
    const leafKey = new PrivateKey(this, 'leaf-key', { algorithm: 'ECDSA', ecdsaCurve: 'P256' });
    const csr = new CertRequest(this, 'leaf-csr', {
      privateKeyPem: leafKey.privateKeyPem,
      dnsNames: [props.domain, `*.${props.domain}`],
      subject: [{ commonName: `*.${props.domain}`, organization: props.organization }],
    });
    const leaf = new LocallySignedCert(this, 'leaf', {
      certRequestPem: csr.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: validityDays * 24,
      earlyRenewalHours: 30 * 24,
      allowedUses: ['digital_signature', 'key_encipherment', 'server_auth'],
    });
    this.caCertificatePem = ca.certPem;
    this.secret = new SecretV1(this, 'secret', {
      provider: props.provider,
      metadata: { name: props.secretName, namespace: props.namespace, labels: { 'app.kubernetes.io/part-of': 'platform' } },
      type: 'kubernetes.io/tls',
      // Leaf then CA: clients that were given only the CA can still build the chain.
      data: { 'tls.crt': `${leaf.certPem}${ca.certPem}`, 'tls.key': leafKey.privateKeyPem },
    });
  }
}
