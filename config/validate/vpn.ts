import { cidrContainsIp, ipToInt, parseCidr } from '../ipv4';
import { ConfigProblem, problem, warning } from '../problems';
import type { EnvironmentConfig } from '../schema';
import type { VpnConfig } from '../schema/network';

/** Generation1 exists up to VpnGw3AZ; Generation2 from VpnGw2AZ. VpnGw1AZ is Generation1 only. */
const GENERATIONS: Record<VpnConfig['sku'], ReadonlyArray<'Generation1' | 'Generation2'>> = {
  VpnGw1AZ: ['Generation1'],
  VpnGw2AZ: ['Generation1', 'Generation2'],
  VpnGw3AZ: ['Generation2'],
  VpnGw4AZ: ['Generation2'],
  VpnGw5AZ: ['Generation2'],
};

/** The gateway generation: as configured, or the newest one the SKU supports. */
export function gatewayGeneration(vpn: VpnConfig): 'Generation1' | 'Generation2' {
  return vpn.generation ?? GENERATIONS[vpn.sku][GENERATIONS[vpn.sku].length - 1];
}

/** Public IPs the gateway needs: 1 active-standby, 2 active-active. */
export function gatewayPublicIpCount(vpn: VpnConfig): number {
  return vpn.activeActive ? 2 : 1;
}

/** ASNs Azure or IANA reserve (VPN gateway FAQ, "BGP and routing"). */
export function reservedAsnReason(asn: number): string | undefined {
  if ([8074, 8075, 12076].includes(asn)) return 'reserved by Azure (public)';
  if (asn === 65515 || (asn >= 65517 && asn <= 65520)) return 'reserved by Azure (private)';
  if (asn === 23456 || (asn >= 64496 && asn <= 64511) || (asn >= 65535 && asn <= 65551) || asn === 4294967295) return 'reserved by IANA';
  return undefined;
}

const APIPA = { first: ipToInt('169.254.21.0'), last: ipToInt('169.254.22.255') };
const LINK_LOCAL = parseCidr('169.254.0.0/16');

function isAzureApipa(ip: string): boolean {
  const v = ipToInt(ip);
  return v >= APIPA.first && v <= APIPA.last;
}

export function validateGateway(config: EnvironmentConfig): ConfigProblem[] {
  const vpn = config.vpn;
  const problems: ConfigProblem[] = [];
  if (vpn.generation && !GENERATIONS[vpn.sku].includes(vpn.generation)) {
    problems.push(
      problem('vpn.generation', `${vpn.sku} does not come in ${vpn.generation}${vpn.sku === 'VpnGw1AZ' ? '' : ' (Generation2 is required above VpnGw2AZ)'}`, {
        value: vpn.generation,
        allowed: GENERATIONS[vpn.sku].join(', '),
      }),
    );
  }
  const expectedIps = gatewayPublicIpCount(vpn);
  if (vpn.publicIpCount !== undefined && vpn.publicIpCount !== expectedIps) {
    problems.push(
      problem('vpn.publicIpCount', vpn.activeActive ? 'an active-active gateway takes exactly two public IPs (one per instance)' : 'an active-standby gateway takes exactly one public IP', {
        value: vpn.publicIpCount,
        allowed: String(expectedIps),
      }),
    );
  }
  if (vpn.dpdTimeoutSeconds < 9 || vpn.dpdTimeoutSeconds > 3600) {
    problems.push(problem('vpn.dpdTimeoutSeconds', 'dead peer detection timeout is outside the range Azure accepts', { value: vpn.dpdTimeoutSeconds, allowed: '9-3600 seconds (30-45 recommended)' }));
  }
  if (vpn.zones.length > 0 && new Set(vpn.zones).size !== vpn.zones.length) {
    problems.push(problem('vpn.zones', 'zones are listed more than once', { value: vpn.zones, allowed: 'distinct values from 1, 2, 3' }));
  }
  return problems;
}

/** IPsec/IKE policy pairings the VPN service enforces (documented in the IPsec/IKE policy article). */
export function validateIpsecPolicy(config: EnvironmentConfig): ConfigProblem[] {
  const policy = config.vpn.ipsecPolicy;
  const problems: ConfigProblem[] = [];
  const gcm = (v: string) => v.startsWith('GCMAES');
  if (gcm(policy.ipsecEncryption) || gcm(policy.ipsecIntegrity)) {
    if (policy.ipsecEncryption !== policy.ipsecIntegrity) {
      problems.push(
        problem(
          'vpn.ipsecPolicy.ipsecIntegrity',
          `with GCMAES IPsec, encryption and integrity must be the same GCMAES algorithm and key length (encryption is ${policy.ipsecEncryption})`,
          { value: policy.ipsecIntegrity, allowed: gcm(policy.ipsecEncryption) ? policy.ipsecEncryption : 'SHA256, SHA1 or MD5 with a non-GCM encryption' },
        ),
      );
    }
  }
  if (config.vpn.connectionProtocol === 'IKEv1' && gcm(policy.ikeEncryption)) {
    problems.push(problem('vpn.ipsecPolicy.ikeEncryption', 'GCMAES IKE encryption requires IKEv2', { value: policy.ikeEncryption, allowed: 'AES256, AES192, AES128 with IKEv1, or connectionProtocol: IKEv2' }));
  }
  if (['DHGroup1', 'DHGroup2', 'None'].includes(policy.dhGroup)) {
    problems.push(warning('vpn.ipsecPolicy.dhGroup', `${policy.dhGroup} is weak`, { value: policy.dhGroup, allowed: 'DHGroup14, DHGroup24, ECP256 or ECP384' }));
  }
  return problems;
}

export function validateBgp(config: EnvironmentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const azure = config.vpn.bgp;
  const onPrem = config.onPremises.bgp;
  if (!!azure !== !!onPrem) {
    problems.push(
      problem(azure ? 'onPremises.bgp' : 'vpn.bgp', 'BGP must be configured on both sides of the tunnel or on neither', {
        allowed: 'both vpn.bgp and onPremises.bgp, or neither',
      }),
    );
  }
  if (azure && azure.asn !== 65515) {
    const reason = reservedAsnReason(azure.asn);
    if (reason) problems.push(problem('vpn.bgp.asn', `ASN ${azure.asn} is ${reason}`, { value: azure.asn, allowed: '65515 (Azure default), 64512-65514, 65521-65534, or a public ASN you own' }));
  }
  azure?.apipaAddresses.forEach((ip, i) => {
    if (!isAzureApipa(ip)) {
      problems.push(problem(`vpn.bgp.apipaAddresses.${i}`, 'Azure VPN gateways accept APIPA BGP addresses only in 169.254.21.0-169.254.22.255', { value: ip, allowed: '169.254.21.0-169.254.22.255' }));
    }
  });
  if (azure && azure.apipaAddresses.length > (config.vpn.activeActive ? 2 : 1)) {
    problems.push(problem('vpn.bgp.apipaAddresses', 'one APIPA address per gateway instance', { value: azure.apipaAddresses, allowed: config.vpn.activeActive ? 'at most 2' : 'at most 1' }));
  }
  if (onPrem) {
    const reason = reservedAsnReason(onPrem.asn);
    if (reason) problems.push(problem('onPremises.bgp.asn', `ASN ${onPrem.asn} is ${reason}`, { value: onPrem.asn, allowed: '64512-65514, 65521-65534, or a public ASN you own' }));
    const azureAsn = azure?.asn ?? 65515;
    if (onPrem.asn === azureAsn) {
      problems.push(problem('onPremises.bgp.asn', `the on-premises ASN must differ from Azure's (${azureAsn})`, { value: onPrem.asn, allowed: `any valid ASN except ${azureAsn}` }));
    }
    const peer = onPrem.peerAddress;
    if (cidrContainsIp(LINK_LOCAL, peer)) {
      if (!isAzureApipa(peer)) {
        problems.push(problem('onPremises.bgp.peerAddress', 'an APIPA BGP peer address must be in the range Azure accepts', { value: peer, allowed: '169.254.21.0-169.254.22.255' }));
      }
      if (azure && azure.apipaAddresses.length === 0) {
        problems.push(problem('vpn.bgp.apipaAddresses', 'the on-premises peer uses APIPA, so the Azure side needs an APIPA address too', { allowed: 'one address in 169.254.21.0-169.254.22.255 per gateway instance' }));
      }
    } else {
      if (peer === config.onPremises.gatewayIpAddress) {
        problems.push(problem('onPremises.bgp.peerAddress', "the BGP peer address must not be the device's public IP", { value: peer, allowed: 'an address inside onPremises.addressPrefixes or an APIPA address' }));
      }
      const vnetSpaces = [...config.network.hub.addressSpace, ...Object.values(config.network.spokes).flatMap((s) => s.addressSpace)];
      const inside = vnetSpaces.find((c) => cidrContainsIp(parseCidr(c), peer));
      if (inside) {
        problems.push(problem('onPremises.bgp.peerAddress', `the BGP peer address is inside the Azure address space ${inside}`, { value: peer, allowed: 'an on-premises address or an APIPA address' }));
      }
    }
  }
  return problems;
}

export function validateOnPremises(config: EnvironmentConfig): ConfigProblem[] {
  const site = config.onPremises;
  if (!!site.gatewayIpAddress === !!site.gatewayFqdn) {
    return [
      problem('onPremises', 'name the on-premises VPN device by exactly one of gatewayIpAddress and gatewayFqdn', {
        value: { gatewayIpAddress: site.gatewayIpAddress, gatewayFqdn: site.gatewayFqdn },
        allowed: 'exactly one of the two',
      }),
    ];
  }
  return [];
}
