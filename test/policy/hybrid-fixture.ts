/**
 * A compliant three-stack environment in the shape cdktf synthesizes it (cross-stack references through
 * `data.terraform_remote_state` and `cross-stack-output-*` outputs), mirroring this repo's design: peerings in
 * `dev-network`, gateway and transit switch-on (azapi updates) in `dev-vpn`, zones and endpoints in `dev-services`.
 */
import type { StackJson } from '../../policy/resolve';

const remote = (output: string): string => `\${data.terraform_remote_state.cross-stack-reference-input-dev-network.outputs.cross-stack-output-${output}}`;
const PEERING_API = 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings@2024-05-01';

/** An inbound Allow for DNS from the on-premises DNS server to the inbound endpoint's static IP. */
export const dnsRule = (name: string, priority: number, protocol: string): Record<string, unknown> => ({
  name,
  network_security_group_name: '${azurerm_network_security_group.dns_in.name}',
  priority,
  direction: 'Inbound',
  access: 'Allow',
  protocol,
  source_address_prefixes: ['192.168.10.10/32'],
  source_port_range: '*',
  destination_address_prefix: '10.0.1.4',
  destination_port_range: '53',
  description: 'on-premises DNS forwards privatelink zones to the inbound endpoint',
});

export type Env = Record<'dev-network' | 'dev-vpn' | 'dev-cluster' | 'dev-services', { resource: Record<string, Record<string, Record<string, any>>>; output?: any; data?: any }>;

export function hybridEnvironment(): Env {
  return {
    'dev-network': {
      data: { azapi_resource: { gw: { type: 'Microsoft.Network/virtualNetworkGateways@2024-05-01', resource_id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/vgw-hub', ignore_not_found: true } } },
      resource: {
        azurerm_virtual_network: {
          hub: { name: 'vnet-hub', address_space: ['10.0.0.0/22'] },
          spoke: { name: 'vnet-spoke', address_space: ['10.1.0.0/22'] },
        },
        azurerm_subnet: {
          gw: { name: 'GatewaySubnet', virtual_network_name: '${azurerm_virtual_network.hub.name}', address_prefixes: ['10.0.0.0/27'] },
          inbound: { name: 'snet-dns-inbound', virtual_network_name: '${azurerm_virtual_network.hub.name}', address_prefixes: ['10.0.1.0/28'] },
          pe: { name: 'snet-pe', virtual_network_name: '${azurerm_virtual_network.hub.name}', address_prefixes: ['10.0.2.0/24'] },
          nodes: { name: 'snet-nodes', virtual_network_name: '${azurerm_virtual_network.spoke.name}', address_prefixes: ['10.1.0.0/24'] },
        },
        azurerm_network_security_group: { pe: { name: 'nsg-pe' }, dns_in: { name: 'nsg-dns-inbound' } },
        azurerm_subnet_network_security_group_association: {
          pe: { subnet_id: '${azurerm_subnet.pe.id}', network_security_group_id: '${azurerm_network_security_group.pe.id}' },
          dns_in: { subnet_id: '${azurerm_subnet.inbound.id}', network_security_group_id: '${azurerm_network_security_group.dns_in.id}' },
        },
        azurerm_network_security_rule: {
          dns_udp: dnsRule('allow-dns-udp', 100, 'Udp'),
          dns_tcp: dnsRule('allow-dns-tcp', 110, 'Tcp'),
          deny_all: {
            name: 'deny-all-inbound',
            network_security_group_name: '${azurerm_network_security_group.dns_in.name}',
            priority: 4096,
            direction: 'Inbound',
            access: 'Deny',
            protocol: '*',
            source_address_prefix: '*',
            source_port_range: '*',
            destination_address_prefix: '*',
            destination_port_range: '*',
          },
        },
        azurerm_private_dns_resolver_dns_forwarding_ruleset: { rs: { name: 'rs', private_dns_resolver_outbound_endpoint_ids: ['${azurerm_private_dns_resolver_outbound_endpoint.out.id}'] } },
        azurerm_private_dns_resolver_virtual_network_link: {
          spoke: { name: 'rs-spoke', dns_forwarding_ruleset_id: '${azurerm_private_dns_resolver_dns_forwarding_ruleset.rs.id}', virtual_network_id: '${azurerm_virtual_network.spoke.id}' },
        },
        azurerm_private_dns_resolver_forwarding_rule: {
          corp: { name: 'corp', domain_name: 'corp.example.', dns_forwarding_ruleset_id: '${azurerm_private_dns_resolver_dns_forwarding_ruleset.rs.id}', target_dns_servers: [{ ip_address: '192.168.10.10', port: 53 }] },
        },
        azurerm_virtual_network_peering: {
          hub_to_spoke: {
            name: 'peer-hub-to-spoke',
            virtual_network_name: '${azurerm_virtual_network.hub.name}',
            remote_virtual_network_id: '${azurerm_virtual_network.spoke.id}',
            // Gated on the gateway's existence (HN-016): a replaced peering gets transit back in the same apply.
            allow_gateway_transit: '${data.azapi_resource.gw.exists}',
            use_remote_gateways: false,
          },
          spoke_to_hub: {
            name: 'peer-spoke-to-hub',
            virtual_network_name: '${azurerm_virtual_network.spoke.name}',
            remote_virtual_network_id: '${azurerm_virtual_network.hub.id}',
            allow_gateway_transit: false,
            use_remote_gateways: '${data.azapi_resource.gw.exists}',
            depends_on: ['azurerm_virtual_network_peering.hub_to_spoke'],
          },
        },
        azurerm_private_dns_resolver: { dns: { name: 'dnspr-hub', virtual_network_id: '${azurerm_virtual_network.hub.id}' } },
        azurerm_private_dns_resolver_inbound_endpoint: {
          inbound: {
            name: 'in',
            private_dns_resolver_id: '${azurerm_private_dns_resolver.dns.id}',
            ip_configurations: [{ subnet_id: '${azurerm_subnet.inbound.id}', private_ip_allocation_method: 'Static', private_ip_address: '10.0.1.4' }],
          },
        },
      },
      output: {
        'cross-stack-output-hub_id': { value: '${azurerm_virtual_network.hub.id}' },
        'cross-stack-output-spoke_id': { value: '${azurerm_virtual_network.spoke.id}' },
        'cross-stack-output-nodes_subnet_id': { value: '${azurerm_subnet.nodes.id}' },
        'cross-stack-output-gw_subnet_id': { value: '${azurerm_subnet.gw.id}' },
        'cross-stack-output-h2s_id': { value: '${azurerm_virtual_network_peering.hub_to_spoke.id}' },
        'cross-stack-output-s2h_id': { value: '${azurerm_virtual_network_peering.spoke_to_hub.id}' },
      },
    },
    'dev-vpn': {
      data: { terraform_remote_state: { 'cross-stack-reference-input-dev-network': { backend: 'local', config: { path: 'terraform.dev-network.tfstate' } } } },
      resource: {
        azurerm_virtual_network_gateway: {
          gw: { name: 'vgw-hub', type: 'Vpn', sku: 'VpnGw1AZ', ip_configuration: [{ name: 'ip0', subnet_id: remote('gw_subnet_id'), public_ip_address_id: '${azurerm_public_ip.gw.id}' }] },
        },
        azapi_update_resource: {
          hub_transit: {
            type: PEERING_API,
            resource_id: remote('h2s_id'),
            body: { properties: { allowGatewayTransit: true, allowForwardedTraffic: true } },
            depends_on: ['azurerm_virtual_network_gateway.gw'],
          },
          spoke_remote_gateways: {
            type: PEERING_API,
            resource_id: remote('s2h_id'),
            body: { properties: { useRemoteGateways: true, allowForwardedTraffic: true } },
            depends_on: ['azurerm_virtual_network_gateway.gw', 'azapi_update_resource.hub_transit'],
          },
        },
        // Destroy-time reverts (HN-016): the updates' own destroy is a no-op.
        azapi_resource_action: {
          hub_revert: {
            type: PEERING_API, resource_id: remote('h2s_id'), method: 'PUT', when: 'destroy',
            body: { properties: { allowGatewayTransit: false, useRemoteGateways: false } },
            depends_on: ['azurerm_virtual_network_gateway.gw'],
          },
          spoke_revert: {
            type: PEERING_API, resource_id: remote('s2h_id'), method: 'PUT', when: 'destroy',
            body: { properties: { allowGatewayTransit: false, useRemoteGateways: false } },
            depends_on: ['azurerm_virtual_network_gateway.gw', 'azapi_resource_action.hub_revert'],
          },
        },
      },
    },
    'dev-cluster': {
      data: { terraform_remote_state: { 'cross-stack-reference-input-dev-network': { backend: 'local', config: { path: 'terraform.dev-network.tfstate' } } } },
      resource: {
        azurerm_network_interface: {
          node0: { name: 'nic-node-0', ip_configuration: [{ name: 'ip', subnet_id: remote('nodes_subnet_id'), private_ip_address_allocation: 'Dynamic' }] },
        },
      },
    },
    'dev-services': {
      data: { terraform_remote_state: { 'cross-stack-reference-input-dev-network': { backend: 'local', config: { path: 'terraform.dev-network.tfstate' } } } },
      resource: {
        azurerm_private_dns_zone: { blob: { name: 'privatelink.blob.core.windows.net' } },
        azurerm_private_dns_zone_virtual_network_link: {
          blob_hub: { name: 'link-hub', private_dns_zone_name: '${azurerm_private_dns_zone.blob.name}', virtual_network_id: remote('hub_id') },
          blob_spoke: { name: 'link-spoke', private_dns_zone_name: '${azurerm_private_dns_zone.blob.name}', virtual_network_id: remote('spoke_id') },
        },
        azurerm_private_endpoint: {
          blob: {
            name: 'pe-blob',
            subnet_id: '${azurerm_subnet.pe.id}',
            private_service_connection: { name: 'blob', is_manual_connection: false, subresource_names: ['blob'] },
            private_dns_zone_group: { name: 'default', private_dns_zone_ids: ['${azurerm_private_dns_zone.blob.id}'] },
          },
        },
      },
    },
  };
}

export const asStacks = (env: Env): Record<string, StackJson> => env as unknown as Record<string, StackJson>;
