import { Construct } from 'constructs';
import { NatGateway } from '@cdktf/provider-azurerm/lib/nat-gateway';
import { NatGatewayPublicIpAssociation } from '@cdktf/provider-azurerm/lib/nat-gateway-public-ip-association';
import { PublicIp } from '@cdktf/provider-azurerm/lib/public-ip';
import { Subnet } from '@cdktf/provider-azurerm/lib/subnet';
import { SubnetNatGatewayAssociation } from '@cdktf/provider-azurerm/lib/subnet-nat-gateway-association';

export interface NatEgressProps {
  readonly name: string;
  readonly publicIpName: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Subnets (of one VNet: a NAT gateway cannot span VNets) whose machines need the internet, by role. */
  readonly subnets: Record<string, Subnet>;
  /** Idle timeout for outbound flows. @default 4 */
  readonly idleTimeoutMinutes?: number;
  readonly tags?: Record<string, string>;
}

/**
 * Deliberate outbound internet access for the subnets that need it (package mirrors, container registries),
 * replacing Azure's retired default outbound access. Only the listed subnets get a route out.
 */
export class NatEgress extends Construct {
  readonly natGateway: NatGateway;
  readonly publicIp: PublicIp;

  constructor(scope: Construct, id: string, props: NatEgressProps) {
    super(scope, id);
    if (Object.keys(props.subnets).length === 0) throw new Error(`${this.node.path}: no subnets to attach; allowed: one or more subnets of one VNet`);
    const idle = props.idleTimeoutMinutes ?? 4;
    if (idle < 4 || idle > 120) throw new Error(`${this.node.path}: idleTimeoutMinutes ${idle}; allowed: 4-120`);
    this.publicIp = new PublicIp(this, 'public-ip', {
      name: props.publicIpName,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'Standard',
      allocationMethod: 'Static',
      tags: props.tags,
    });
    this.natGateway = new NatGateway(this, 'nat-gateway', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      skuName: 'Standard',
      idleTimeoutInMinutes: idle,
      tags: props.tags,
    });
    new NatGatewayPublicIpAssociation(this, 'public-ip-association', { natGatewayId: this.natGateway.id, publicIpAddressId: this.publicIp.id });
    for (const [role, subnet] of Object.entries(props.subnets)) {
      new SubnetNatGatewayAssociation(this, `subnet-${role}`, { subnetId: subnet.id, natGatewayId: this.natGateway.id });
    }
  }
}
