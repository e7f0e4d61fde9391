import { Cidr, cidrContainsIp, cidrsOverlap, isAzureUsableHost, parseCidr } from '../ipv4';
import { ConfigProblem, problem, warning } from '../problems';
import type { EnvironmentConfig } from '../schema';

/** Addresses a pod or service range must never contain: Azure's platform DNS/health IP and the IMDS endpoint. */
const AZURE_PLATFORM_IPS = [
  { ip: '168.63.129.16', what: "Azure's platform address (DNS, load balancer probes)" },
  { ip: '169.254.169.254', what: 'the instance metadata service (managed identity tokens)' },
];

/** The example key shipped in config/environments: valid syntax, but nobody holds its private half. */
export const EXAMPLE_SSH_KEY_MARKER = 'example-only-replace-me@example.invalid';

interface Named {
  readonly path: string;
  readonly cidr: Cidr;
}

/** Every range the pod and service networks must stay clear of: VNet spaces and on-premises prefixes. */
function routedRanges(config: EnvironmentConfig): Named[] {
  return [
    ...config.network.hub.addressSpace.map((c, i) => ({ path: `network.hub.addressSpace.${i}`, cidr: parseCidr(c) })),
    ...Object.entries(config.network.spokes).flatMap(([name, spoke]) => spoke.addressSpace.map((c, i) => ({ path: `network.spokes.${name}.addressSpace.${i}`, cidr: parseCidr(c) }))),
    ...config.onPremises.addressPrefixes.map((c, i) => ({ path: `onPremises.addressPrefixes.${i}`, cidr: parseCidr(c) })),
  ];
}

/**
 * Pod and service CIDRs: disjoint from each other, from every VNet and on-premises prefix (a pod range that
 * shadows an on-premises network silently black-holes traffic to it), clear of Azure's platform IPs, and sized
 * as the API server accepts.
 */
export function validateClusterCidrs(config: EnvironmentConfig): ConfigProblem[] {
  const c = config.cluster;
  const problems: ConfigProblem[] = [];
  const ranges: Named[] = [
    { path: 'cluster.podCidr', cidr: parseCidr(c.podCidr) },
    { path: 'cluster.serviceCidr', cidr: parseCidr(c.serviceCidr) },
  ];
  if (cidrsOverlap(ranges[0].cidr, ranges[1].cidr)) {
    problems.push(problem('cluster.serviceCidr', `${c.serviceCidr} overlaps the pod network ${c.podCidr}`, { value: c.serviceCidr, allowed: `a range disjoint from ${c.podCidr}` }));
  }
  for (const range of ranges) {
    for (const other of routedRanges(config)) {
      if (cidrsOverlap(range.cidr, other.cidr)) {
        problems.push(
          problem(range.path, `${range.cidr.text} overlaps ${other.cidr.text} at ${other.path}: nodes would route that network into the cluster overlay instead of to the VNet or on-premises`, {
            value: range.cidr.text,
            allowed: `a range disjoint from every VNet and on-premises prefix (${routedRanges(config).map((r) => r.cidr.text).join(', ')})`,
          }),
        );
      }
    }
    for (const { ip, what } of AZURE_PLATFORM_IPS) {
      if (cidrContainsIp(range.cidr, ip)) {
        problems.push(problem(range.path, `${range.cidr.text} contains ${ip}, ${what}`, { value: range.cidr.text, allowed: `a range that does not contain ${ip}` }));
      }
    }
  }
  const service = ranges[1].cidr;
  if (service.prefixLength < 12) {
    problems.push(problem('cluster.serviceCidr', 'the API server rejects IPv4 service ranges larger than /12', { value: c.serviceCidr, allowed: '/12 to /24' }));
  } else if (service.prefixLength > 24) {
    problems.push(problem('cluster.serviceCidr', 'too few service IPs for the platform (CoreDNS, ingress, monitoring, Argo CD, the tool)', { value: c.serviceCidr, allowed: '/12 to /24' }));
  }
  const pods = ranges[0].cidr;
  if (pods.prefixLength > 22) {
    problems.push(problem('cluster.podCidr', 'Calico hands out /26 blocks per node; a pod range smaller than /22 runs out after a few nodes', { value: c.podCidr, allowed: '/22 or larger (e.g. a /16)' }));
  }
  return problems;
}

/** Load balancer IPs inside the node subnet, usable and distinct; the subnet exists, has NAT egress and room for the nodes. */
export function validateClusterPlacement(config: EnvironmentConfig): ConfigProblem[] {
  const c = config.cluster;
  const spoke = config.network.spokes[c.spoke];
  if (!spoke) {
    return [problem('cluster.spoke', `no spoke "${c.spoke}" in network.spokes`, { value: c.spoke, allowed: Object.keys(config.network.spokes).join(', ') })];
  }
  const prefix = spoke.subnets[c.subnet];
  if (!prefix) {
    return [problem('cluster.subnet', `no subnet "${c.subnet}" in spoke "${c.spoke}"`, { value: c.subnet, allowed: Object.keys(spoke.subnets).join(', ') })];
  }
  const problems: ConfigProblem[] = [];
  const subnet = parseCidr(prefix);
  for (const [path, ip] of [['cluster.apiServer.privateIp', c.apiServer.privateIp], ['cluster.ingress.privateIp', c.ingress.privateIp]] as const) {
    if (!isAzureUsableHost(subnet, ip)) {
      problems.push(problem(path, `${ip} is not a usable address of the node subnet ${prefix} (Azure reserves the first four and the last)`, { value: ip, allowed: `a host of ${prefix} from offset 4 to the second-to-last address` }));
    }
  }
  if (c.apiServer.privateIp === c.ingress.privateIp) {
    problems.push(problem('cluster.ingress.privateIp', 'the ingress and API server load balancers need different frontend IPs', { value: c.ingress.privateIp, allowed: `any usable address of ${prefix} except ${c.apiServer.privateIp}` }));
  }
  if (!spoke.natSubnets.includes(c.subnet)) {
    problems.push(
      problem(`network.spokes.${c.spoke}.natSubnets`, `the node subnet "${c.subnet}" has no NAT egress: cloud-init cannot reach pkgs.k8s.io, the Ubuntu mirrors or registry.k8s.io and bootstrap fails`, {
        value: spoke.natSubnets,
        allowed: `a list that includes "${c.subnet}"`,
      }),
    );
  }
  const needed = c.controlPlane.count + c.workers.count + 2;
  const usable = subnet.size - 5;
  if (needed > usable) {
    problems.push(problem('cluster.workers.count', `${needed} addresses needed (nodes and two load balancers) but the node subnet ${prefix} has ${usable}`, { value: c.workers.count, allowed: `at most ${usable - c.controlPlane.count - 2} workers, or a larger subnet` }));
  }
  if (c.ingress.httpNodePort === c.ingress.httpsNodePort) {
    problems.push(problem('cluster.ingress.httpsNodePort', 'HTTP and HTTPS need different NodePorts', { value: c.ingress.httpsNodePort, allowed: `a port in 30000-32767 other than ${c.ingress.httpNodePort}` }));
  }
  return problems;
}

/** Zones listed once; an HA control plane spread over zones (or deliberately regional); the example SSH key flagged. */
export function validateClusterNodes(config: EnvironmentConfig): ConfigProblem[] {
  const c = config.cluster;
  const problems: ConfigProblem[] = [];
  for (const pool of ['controlPlane', 'workers'] as const) {
    const zones = c[pool].zones;
    if (new Set(zones).size !== zones.length) {
      problems.push(problem(`cluster.${pool}.zones`, 'zones are listed more than once', { value: zones, allowed: 'distinct values from 1, 2, 3' }));
    }
  }
  if (c.controlPlane.count > 1 && c.controlPlane.zones.length === 1) {
    problems.push(
      warning('cluster.controlPlane.zones', 'every control plane is in the same zone: one zone outage loses etcd quorum', { value: c.controlPlane.zones, allowed: "['1', '2', '3'] (or [] for regional placement)" }),
    );
  }
  if (c.sshPublicKey.includes(EXAMPLE_SSH_KEY_MARKER)) {
    problems.push(
      warning('cluster.sshPublicKey', "this is the repository's example key: nobody holds its private half, so SSH to the nodes is impossible until you replace it", {
        allowed: 'your team\'s OpenSSH public key (e.g. the contents of ~/.ssh/id_ed25519.pub)',
      }),
    );
  }
  return problems;
}

/**
 * Smallest etcd disk for an HA control plane: 256 GiB, a Premium P15 (1,100 IOPS, 125 MB/s), which is what Cluster API
 * Provider Azure gives etcd by default. Premium IOPS grow with the size tier: 64 GiB is a P6 (240 IOPS), and etcd
 * fsyncs every write, so a small disk means slow commits, leader elections and a stalled API under load.
 */
export const HA_ETCD_DISK_MIN_GB = 256;

/** An HA (3 or 5 node) control plane gets an etcd disk of at least HA_ETCD_DISK_MIN_GB; a single dev node may go smaller. */
export function validateEtcdDisk(config: EnvironmentConfig): ConfigProblem[] {
  const cp = config.cluster.controlPlane;
  if (cp.count > 1 && cp.etcdDiskSizeGb < HA_ETCD_DISK_MIN_GB) {
    return [
      problem('cluster.controlPlane.etcdDiskSizeGb', `${cp.etcdDiskSizeGb} GiB Premium SSD gives etcd too few IOPS for a ${cp.count}-node control plane (P6 = 240 IOPS at 64 GiB)`, {
        value: cp.etcdDiskSizeGb,
        allowed: `${HA_ETCD_DISK_MIN_GB} or more (P15, 1,100 IOPS: Cluster API Provider Azure's etcd disk); below that only with controlPlane.count 1`,
      }),
    ];
  }
  return [];
}

/**
 * How long a node may still wait for its Key Vault secrets once its readiness gate has started, in minutes: the gate
 * starts after the secrets and the node's `Key Vault Secrets User` roles exist (Microsoft: up to 10 minutes to
 * apply) plus 5 for IMDS and DNS. kv-secret's own window (KV_WAIT_SECONDS in constructs/cluster/scripts/kv-secret.sh)
 * is this plus the cluster stack's 600 s wait for the deployer's role, which the VMs boot during.
 */
export const NODE_KEY_VAULT_WAIT_MINUTES = 15;

/**
 * A node's readiness gate must outlast its wait for the Key Vault roles created in the same apply (up to 15 minutes
 * after the gate starts, see above) plus the rest of the bootstrap, or a slow role propagation fails the apply.
 */
export function validateReadinessWindow(config: EnvironmentConfig): ConfigProblem[] {
  const minutes = config.cluster.readinessTimeoutMinutes;
  const needed = NODE_KEY_VAULT_WAIT_MINUTES + 10;
  return minutes < needed
    ? [warning('cluster.readinessTimeoutMinutes', `${minutes} minutes can expire while a node still waits (up to ${NODE_KEY_VAULT_WAIT_MINUTES}) for its new Key Vault role to propagate`, { value: minutes, allowed: `${needed} or more` })]
    : [];
}

export const clusterValidators = [validateClusterCidrs, validateClusterPlacement, validateClusterNodes, validateEtcdDisk, validateReadinessWindow];
