import type { InboundAllow } from '../network/subnet-nsg';

export interface ClusterNsgRulesInput {
  /** The node subnet: every rule's destination, and the source of node-to-node traffic. */
  readonly nodesPrefix: string;
  /** The hub subnet of the pipeline agents (kubectl, Terraform's helm/kubernetes providers, SSH). */
  readonly agentsPrefix: string;
  /** Address space of the cluster spoke (workloads next to the cluster, the load balancer frontends). */
  readonly clusterVnetSpace: ReadonlyArray<string>;
  /** Clients of the ingress (hub, spokes, on-premises prefixes). */
  readonly ingressClients: ReadonlyArray<string>;
  readonly httpNodePort: number;
  readonly httpsNodePort: number;
}

/** Ports Prometheus scrapes on the nodes: controller-manager, scheduler, etcd metrics, node-exporter, kube-proxy. */
export const SCRAPE_PORTS = ['10257', '10259', '2381', '9100', '10249'];

/**
 * Inbound allows of the cluster node subnet, priorities 2000-2400 (inside the cluster's band 2000-3999 of the spoke NSG). Everything
 * else is denied by the NSG's DenyAllInbound at 4096, which also overrides Azure's AllowAzureLoadBalancerInBound:
 * hence the explicit probe rules. Order: API, node-to-node, metrics, ingress, SSH.
 */
export function clusterInboundRules(input: ClusterNsgRulesInput): InboundAllow[] {
  const nodes = [input.nodesPrefix];
  const nodePorts = [String(input.httpNodePort), String(input.httpsNodePort)];
  return [
    { name: 'k8s-api-from-agents', priority: 2000, protocol: 'Tcp', sources: [input.agentsPrefix], ports: ['6443'], description: 'Kubernetes API from the pipeline agents (kubectl, Terraform helm/kubernetes providers).' },
    { name: 'k8s-api-from-cluster-vnet', priority: 2010, protocol: 'Tcp', sources: [...input.clusterVnetSpace], ports: ['6443'], description: 'Kubernetes API from the cluster VNet: kubelets and joining nodes through the API load balancer.' },
    { name: 'k8s-api-lb-probe', priority: 2020, protocol: 'Tcp', sources: ['AzureLoadBalancer'], ports: ['6443'], description: 'API load balancer health probe (/readyz) on the control planes.' },
    { name: 'etcd-between-nodes', priority: 2100, protocol: 'Tcp', sources: nodes, ports: ['2379-2380'], description: 'etcd client and peer traffic between control planes (stacked etcd).' },
    { name: 'kubelet-between-nodes', priority: 2110, protocol: 'Tcp', sources: nodes, ports: ['10250'], description: 'Kubelet API: logs/exec from the API server, metrics-server and Prometheus.' },
    { name: 'calico-vxlan', priority: 2120, protocol: 'Udp', sources: nodes, ports: ['4789'], description: 'Calico VXLAN overlay between nodes (Azure drops IP-in-IP).' },
    { name: 'calico-typha', priority: 2130, protocol: 'Tcp', sources: nodes, ports: ['5473'], description: 'Calico Typha: calico-node agents fan in to Typha.' },
    { name: 'calico-metrics', priority: 2140, protocol: 'Tcp', sources: nodes, ports: ['9091', '9093'], description: 'Calico Felix and Typha Prometheus metrics, scraped inside the cluster subnet only.' },
    { name: 'prometheus-scrape', priority: 2200, protocol: 'Tcp', sources: nodes, ports: SCRAPE_PORTS, description: 'Prometheus scrapes controller-manager, scheduler, etcd, node-exporter, kube-proxy; cluster subnet only.' },
    { name: 'ingress-nodeports', priority: 2300, protocol: 'Tcp', sources: [...input.ingressClients], ports: nodePorts, description: 'Ingress NodePorts behind the internal ingress load balancer (client IPs are preserved).' },
    { name: 'ingress-lb-probe', priority: 2310, protocol: 'Tcp', sources: ['AzureLoadBalancer'], ports: nodePorts, description: 'Ingress load balancer health probes on the NodePorts.' },
    { name: 'ssh-from-agents', priority: 2400, protocol: 'Tcp', sources: [input.agentsPrefix], ports: ['22'], description: 'SSH for break-glass debugging from the pipeline agents subnet only.' },
  ];
}
