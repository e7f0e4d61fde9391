import { Construct } from 'constructs';
import { Lb } from '@cdktf/provider-azurerm/lib/lb';
import { LbBackendAddressPool } from '@cdktf/provider-azurerm/lib/lb-backend-address-pool';
import { LbProbe } from '@cdktf/provider-azurerm/lib/lb-probe';
import { LbRule } from '@cdktf/provider-azurerm/lib/lb-rule';

/** One load-balanced TCP port and the health probe that decides which backends receive it. */
export interface LoadBalancedPort {
  /** Rule and probe name, unique in the load balancer (part of the Terraform address: keep it stable). */
  readonly name: string;
  readonly frontendPort: number;
  readonly backendPort: number;
  /** `Https` with a path checks the application (e.g. the API server's /readyz); `Tcp` only the listener. */
  readonly probe: { readonly protocol: 'Tcp' | 'Http' | 'Https'; readonly port: number; readonly requestPath?: string };
}

export interface InternalLoadBalancerProps {
  readonly name: string;
  readonly resourceGroupName: string;
  readonly location: string;
  /** Subnet of the frontend (and of the backends). */
  readonly subnetId: string;
  /** Static frontend IP: DNS records and certificates refer to it. */
  readonly privateIp: string;
  /** Zones of the frontend; ['1','2','3'] makes it zone-redundant. @default [] (regional) */
  readonly zones?: ReadonlyArray<string>;
  readonly ports: ReadonlyArray<LoadBalancedPort>;
  readonly tags?: Record<string, string>;
}

const FRONTEND = 'frontend';

/**
 * An internal Standard load balancer with a static private frontend, one backend pool, and a rule plus probe per
 * port. No public IP anywhere; outbound SNAT is disabled on the rules because the subnet's NAT gateway carries
 * egress. Backends join the pool through NIC associations (see ClusterNodePool).
 */
export class InternalLoadBalancer extends Construct {
  readonly lb: Lb;
  readonly backendPool: LbBackendAddressPool;
  readonly probes: Record<string, LbProbe> = {};
  readonly rules: Record<string, LbRule> = {};

  constructor(scope: Construct, id: string, props: InternalLoadBalancerProps) {
    super(scope, id);
    if (props.ports.length === 0) throw new Error(`${this.node.path}: no ports; allowed: one or more load-balanced ports`);
    const names = new Set<string>();
    for (const port of props.ports) {
      if (names.has(port.name)) throw new Error(`${this.node.path}: port name "${port.name}" is used twice; allowed: unique names`);
      names.add(port.name);
      for (const [what, value] of [['frontendPort', port.frontendPort], ['backendPort', port.backendPort], ['probe.port', port.probe.port]] as const) {
        if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${this.node.path}: ${port.name}.${what} ${value}; allowed: 1-65535`);
      }
      if (port.probe.protocol !== 'Tcp' && !port.probe.requestPath?.startsWith('/')) {
        throw new Error(`${this.node.path}: ${port.name} probe over ${port.probe.protocol} needs a requestPath starting with /`);
      }
    }

    this.lb = new Lb(this, 'lb', {
      name: props.name,
      resourceGroupName: props.resourceGroupName,
      location: props.location,
      sku: 'Standard',
      frontendIpConfiguration: [
        {
          name: FRONTEND,
          subnetId: props.subnetId,
          privateIpAddressAllocation: 'Static',
          privateIpAddress: props.privateIp,
          privateIpAddressVersion: 'IPv4',
          zones: props.zones && props.zones.length > 0 ? [...props.zones] : undefined,
        },
      ],
      tags: props.tags,
    });
    this.backendPool = new LbBackendAddressPool(this, 'backend-pool', { name: 'nodes', loadbalancerId: this.lb.id });

    for (const port of props.ports) {
      const probe = new LbProbe(this, `probe-${port.name}`, {
        name: port.name,
        loadbalancerId: this.lb.id,
        protocol: port.probe.protocol,
        port: port.probe.port,
        requestPath: port.probe.protocol === 'Tcp' ? undefined : port.probe.requestPath,
        intervalInSeconds: 5,
        probeThreshold: 2,
      });
      this.probes[port.name] = probe;
      this.rules[port.name] = new LbRule(this, `rule-${port.name}`, {
        name: port.name,
        loadbalancerId: this.lb.id,
        frontendIpConfigurationName: FRONTEND,
        protocol: 'Tcp',
        frontendPort: port.frontendPort,
        backendPort: port.backendPort,
        backendAddressPoolIds: [this.backendPool.id],
        probeId: probe.id,
        disableOutboundSnat: true,
        floatingIpEnabled: false,
        tcpResetEnabled: true,
        idleTimeoutInMinutes: 4,
      });
    }
  }
}
