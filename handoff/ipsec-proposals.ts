import type { IpsecPolicyConfig } from '../config/schema/network';

/**
 * The one table from Azure's custom IPsec/IKE policy names to strongSwan proposal keywords. Both the generated
 * on-premises device configuration (swanctl.conf) and the lab's stand-in for the Azure gateway use it, so the
 * two ends of the tunnel are derived from the same mapping.
 * Azure names: learn.microsoft.com/azure/vpn-gateway/ipsec-ike-policy-howto ("Cryptographic algorithms & key
 * strengths"); strongSwan keywords: docs.strongswan.org/docs/latest/config/IKEv2CipherSuites.html.
 */
export const IKE_ENCRYPTION_MAP: Readonly<Record<IpsecPolicyConfig['ikeEncryption'], string>> = {
  GCMAES256: 'aes256gcm16',
  GCMAES128: 'aes128gcm16',
  AES256: 'aes256',
  AES192: 'aes192',
  AES128: 'aes128',
};

/** IKE integrity; with a GCM cipher (AEAD) Azure's integrity value is the PRF. */
export const IKE_INTEGRITY_MAP: Readonly<Record<IpsecPolicyConfig['ikeIntegrity'], { integrity: string; prf: string }>> = {
  SHA384: { integrity: 'sha384', prf: 'prfsha384' },
  SHA256: { integrity: 'sha256', prf: 'prfsha256' },
  SHA1: { integrity: 'sha1', prf: 'prfsha1' },
  MD5: { integrity: 'md5', prf: 'prfmd5' },
};

/** IKE Diffie-Hellman groups. `None` is not a valid IKE group: IKE always needs one. */
export const DH_GROUP_MAP: Readonly<Record<IpsecPolicyConfig['dhGroup'], string | undefined>> = {
  DHGroup24: 'modp2048s256',
  ECP384: 'ecp384',
  ECP256: 'ecp256',
  DHGroup14: 'modp2048',
  DHGroup2048: 'modp2048',
  DHGroup2: 'modp1024',
  DHGroup1: 'modp768',
  None: undefined,
};

export const IPSEC_ENCRYPTION_MAP: Readonly<Record<IpsecPolicyConfig['ipsecEncryption'], string>> = {
  GCMAES256: 'aes256gcm16',
  GCMAES192: 'aes192gcm16',
  GCMAES128: 'aes128gcm16',
  AES256: 'aes256',
  AES192: 'aes192',
  AES128: 'aes128',
  DES3: '3des',
  DES: 'des',
  None: 'null',
};

export const IPSEC_INTEGRITY_MAP: Readonly<Record<IpsecPolicyConfig['ipsecIntegrity'], string | undefined>> = {
  // GCM integrity is part of the cipher: no separate keyword (and Azure requires the same GCM on both).
  GCMAES256: undefined,
  GCMAES192: undefined,
  GCMAES128: undefined,
  SHA256: 'sha256',
  SHA1: 'sha1',
  MD5: 'md5',
};

/** PFS groups of the CHILD_SA (`None`: no PFS, i.e. no DH keyword in the ESP proposal). */
export const PFS_GROUP_MAP: Readonly<Record<IpsecPolicyConfig['pfsGroup'], string | undefined>> = {
  PFS24: 'modp2048s256',
  ECP384: 'ecp384',
  ECP256: 'ecp256',
  PFS2048: 'modp2048',
  PFS2: 'modp1024',
  PFS1: 'modp768',
  None: undefined,
};

export interface StrongSwanProposals {
  /** `proposals =` of the IKE connection. */
  readonly ike: string;
  /** `esp_proposals =` of the CHILD_SA. */
  readonly esp: string;
  /** Why (part of) the policy cannot be expressed for strongSwan; empty when it can. */
  readonly problems: ReadonlyArray<string>;
}

/** The strongSwan proposals equivalent to one Azure custom IPsec/IKE policy, or the reasons it has none. */
export function strongSwanProposals(p: Pick<IpsecPolicyConfig, 'ikeEncryption' | 'ikeIntegrity' | 'dhGroup' | 'ipsecEncryption' | 'ipsecIntegrity' | 'pfsGroup'>): StrongSwanProposals {
  const problems: string[] = [];
  const ikeEnc = IKE_ENCRYPTION_MAP[p.ikeEncryption];
  const ikeInt = IKE_INTEGRITY_MAP[p.ikeIntegrity];
  const dh = DH_GROUP_MAP[p.dhGroup];
  if (!ikeEnc) problems.push(`IKE encryption "${p.ikeEncryption}" has no strongSwan equivalent`);
  if (!ikeInt) problems.push(`IKE integrity "${p.ikeIntegrity}" has no strongSwan equivalent`);
  if (!dh) problems.push(`IKE DH group "${p.dhGroup}": IKE needs a Diffie-Hellman group, strongSwan cannot negotiate IKE without one`);
  const gcmIke = ikeEnc?.includes('gcm');
  const ike = [ikeEnc, gcmIke ? ikeInt?.prf : ikeInt?.integrity, dh].filter(Boolean).join('-');

  const espEnc = IPSEC_ENCRYPTION_MAP[p.ipsecEncryption];
  const espInt = IPSEC_INTEGRITY_MAP[p.ipsecIntegrity];
  const gcmEsp = p.ipsecEncryption.startsWith('GCM');
  if (gcmEsp !== p.ipsecIntegrity.startsWith('GCM') || (gcmEsp && p.ipsecEncryption !== p.ipsecIntegrity)) {
    problems.push(`IPsec encryption "${p.ipsecEncryption}" with integrity "${p.ipsecIntegrity}": a GCM cipher carries its own integrity, both must name the same GCM algorithm`);
  }
  const esp = [espEnc, gcmEsp ? undefined : espInt, PFS_GROUP_MAP[p.pfsGroup]].filter(Boolean).join('-');
  return { ike, esp, problems };
}
