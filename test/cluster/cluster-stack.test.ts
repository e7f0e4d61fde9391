import { Testing } from 'cdktf';
import { checkStacks, runPolicy } from '../../policy';
import { buildApp } from '../../stacks/app';
import { nsgKubeApi } from '../../policy/rules/nsg';
import { loadEnvironments } from '../../config';
import { list, resourcesOf, synthEnvironment } from './synth';

const config = (env: 'dev' | 'prod') => loadEnvironments([env])[0].config;
const decodeSettingsScript = (ext: any) => Buffer.from(JSON.parse(ext.settings).script, 'base64').toString('utf8');

describe.each([
  ['dev', 1, 2],
  ['prod', 3, 3],
] as const)('%s-cluster', (env, controlPlanes, workers) => {
  const { stacks, outdir } = synthEnvironment(env);
  const cluster = stacks[`${env}-cluster`];
  const network = stacks[`${env}-network`];
  const c = config(env).cluster;
  const vms = list(cluster, 'azurerm_linux_virtual_machine');
  const cpVms = vms.filter((vm) => vm.tags['k8s-role'] === 'control-plane');
  const wkVms = vms.filter((vm) => vm.tags['k8s-role'] === 'worker');

  test('VM and NIC counts follow the configuration', () => {
    expect(cpVms.map((vm) => vm.name)).toEqual(Array.from({ length: controlPlanes }, (_, i) => `vm-hyb-${env}-cp-${i}`));
    expect(wkVms.map((vm) => vm.name)).toEqual(Array.from({ length: workers }, (_, i) => `vm-hyb-${env}-wk-${i}`));
    expect(list(cluster, 'azurerm_network_interface')).toHaveLength(controlPlanes + workers);
    expect(cluster.output.node_names.value).toEqual(vms.map((vm) => vm.name));
    // Node name = computer name = VM name (the cloud controller manager relies on it).
    for (const vm of vms) expect(vm.computer_name).toBe(vm.name);
  });

  test('zones, sizes and disks from configuration', () => {
    expect(cpVms.map((vm) => vm.zone)).toEqual(c.controlPlane.zones.length ? c.controlPlane.zones : cpVms.map(() => undefined));
    expect(new Set(cpVms.map((vm) => vm.size))).toEqual(new Set([c.controlPlane.size]));
    expect(new Set(wkVms.map((vm) => vm.size))).toEqual(new Set([c.workers.size]));
    for (const vm of vms) expect(vm.os_disk).toMatchObject({ storage_account_type: 'Premium_LRS', disk_size_gb: 128 });
  });

  test('SSH keys only: password authentication disabled, the key from configuration, no admin password', () => {
    for (const vm of vms) {
      expect(vm.disable_password_authentication).toBe(true);
      expect(vm.admin_password).toBeUndefined();
      expect(vm.admin_ssh_key).toEqual([{ username: 'azureuser', public_key: c.sshPublicKey }]);
    }
  });

  test('no public IP anywhere in the stack', () => {
    expect(resourcesOf(cluster, 'azurerm_public_ip')).toEqual({});
    for (const nic of list(cluster, 'azurerm_network_interface')) {
      expect(nic.ip_configuration).toHaveLength(1);
      expect(nic.ip_configuration[0].public_ip_address_id).toBeUndefined();
    }
    for (const lb of list(cluster, 'azurerm_lb')) expect(lb.frontend_ip_configuration[0].public_ip_address_id).toBeUndefined();
  });

  test('a user-assigned identity per role, encryption at host, Trusted Launch', () => {
    const identities = Object.entries(resourcesOf(cluster, 'azurerm_user_assigned_identity'));
    const idOf = (role: string) => `\${azurerm_user_assigned_identity.${identities.find(([, v]) => v.name === `id-hyb-${env}-k8s-${role}`)![0]}.id}`;
    const cloud = env === 'prod' ? [idOf('cloud-provider')] : [];
    expect(identities.map(([, v]) => v.name).sort()).toEqual([`id-hyb-${env}-k8s-control-plane`, ...(env === 'prod' ? [`id-hyb-${env}-k8s-cloud-provider`] : []), `id-hyb-${env}-k8s-worker`].sort());
    for (const vm of cpVms) expect(vm.identity).toEqual({ type: 'UserAssigned', identity_ids: [idOf('control-plane'), ...cloud] });
    for (const vm of wkVms) expect(vm.identity).toEqual({ type: 'UserAssigned', identity_ids: [idOf('worker'), ...cloud] });
    for (const vm of vms) expect(vm).toMatchObject({ encryption_at_host_enabled: true, secure_boot_enabled: true, vtpm_enabled: true });
  });

  test('etcd gets its own data disk at LUN 0 on every control plane, none on workers', () => {
    const disks = list(cluster, 'azurerm_managed_disk');
    expect(disks.map((d) => d.name)).toEqual(cpVms.map((vm) => `disk-${vm.name}-etcd`));
    for (const d of disks) expect(d).toMatchObject({ disk_size_gb: c.controlPlane.etcdDiskSizeGb, public_network_access_enabled: false, network_access_policy: 'DenyAll' });
    const attachments = list(cluster, 'azurerm_virtual_machine_data_disk_attachment');
    expect(attachments).toHaveLength(controlPlanes);
    for (const a of attachments) expect(a).toMatchObject({ lun: 0, caching: 'None' });
  });

  test('internal Standard load balancers: API 6443 with an HTTPS /readyz probe, ingress 80/443 to fixed NodePorts with probes', () => {
    const lbs = resourcesOf(cluster, 'azurerm_lb');
    const named = (name: string) => Object.entries(lbs).find(([, v]) => v.name === name)!;
    const [apiKey, api] = named(`lbi-hyb-${env}-k8s-api`);
    const [ingressKey, ingress] = named(`lbi-hyb-${env}-k8s-ingress`);
    for (const [lb, ip] of [[api, c.apiServer.privateIp], [ingress, c.ingress.privateIp]] as const) {
      expect(lb.sku).toBe('Standard');
      expect(lb.frontend_ip_configuration[0]).toMatchObject({ private_ip_address_allocation: 'Static', private_ip_address: ip });
      expect(lb.frontend_ip_configuration[0].subnet_id).toMatch(/terraform_remote_state.*subnet-nodes/);
    }
    const probes = list(cluster, 'azurerm_lb_probe');
    const rules = list(cluster, 'azurerm_lb_rule');
    const on = (key: string, items: any[]) => items.filter((i) => i.loadbalancer_id === `\${azurerm_lb.${key}.id}`);
    expect(on(apiKey, probes).map((p) => [p.protocol, p.port, p.request_path])).toEqual([['Https', 6443, '/readyz']]);
    expect(on(apiKey, rules).map((r) => [r.frontend_port, r.backend_port, r.protocol])).toEqual([[6443, 6443, 'Tcp']]);
    expect(on(ingressKey, probes).map((p) => [p.protocol, p.port])).toEqual([['Tcp', 30080], ['Tcp', 30443]]);
    expect(on(ingressKey, rules).map((r) => [r.frontend_port, r.backend_port])).toEqual([[80, 30080], [443, 30443]]);
    for (const r of rules) {
      expect(r.disable_outbound_snat).toBe(true);
      expect(r.probe_id).toMatch(/azurerm_lb_probe/);
    }
    // Control planes back the API, workers the ingress.
    const pools = resourcesOf(cluster, 'azurerm_lb_backend_address_pool');
    const poolOf = (lbKey: string) => `\${azurerm_lb_backend_address_pool.${Object.entries(pools).find(([, p]) => p.loadbalancer_id === `\${azurerm_lb.${lbKey}.id}`)![0]}.id}`;
    const assoc = list(cluster, 'azurerm_network_interface_backend_address_pool_association');
    expect(assoc.filter((a) => a.backend_address_pool_id === poolOf(apiKey))).toHaveLength(controlPlanes);
    expect(assoc.filter((a) => a.backend_address_pool_id === poolOf(ingressKey))).toHaveLength(workers);
  });

  test('NSG rules of the node subnet are exactly the intended ones', () => {
    const n = config(env).network;
    const nodes = n.spokes.cluster.subnets.nodes;
    const rules = list(network, 'azurerm_network_security_rule')
      .filter((r) => /nsg-nodes/.test(r.network_security_group_name) && r.priority >= 2000 && r.priority < 4000)
      .map((r) => ({
        name: r.name,
        priority: r.priority,
        protocol: r.protocol,
        sources: r.source_address_prefixes ?? [r.source_address_prefix],
        destination: r.destination_address_prefix,
        ports: r.destination_port_ranges ?? [r.destination_port_range],
        access: r.access,
        direction: r.direction,
        described: r.description.length > 20,
      }))
      .sort((a, b) => a.priority - b.priority);
    const agents = [n.hub.subnets.agents];
    const clients = [...n.hub.addressSpace, ...n.spokes.cluster.addressSpace, ...config(env).onPremises.addressPrefixes];
    const rule = (name: string, priority: number, protocol: string, sources: string[], ports: string[]) => ({ name, priority, protocol, sources, destination: nodes, ports, access: 'Allow', direction: 'Inbound', described: true });
    expect(rules).toEqual([
      rule('k8s-api-from-agents', 2000, 'Tcp', agents, ['6443']),
      rule('k8s-api-from-cluster-vnet', 2010, 'Tcp', n.spokes.cluster.addressSpace, ['6443']),
      rule('k8s-api-lb-probe', 2020, 'Tcp', ['AzureLoadBalancer'], ['6443']),
      rule('etcd-between-nodes', 2100, 'Tcp', [nodes], ['2379-2380']),
      rule('kubelet-between-nodes', 2110, 'Tcp', [nodes], ['10250']),
      rule('calico-vxlan', 2120, 'Udp', [nodes], ['4789']),
      rule('calico-typha', 2130, 'Tcp', [nodes], ['5473']),
      rule('calico-metrics', 2140, 'Tcp', [nodes], ['9091', '9093']),
      rule('prometheus-scrape', 2200, 'Tcp', [nodes], ['10257', '10259', '2381', '9100', '10249']),
      rule('ingress-nodeports', 2300, 'Tcp', clients, ['30080', '30443']),
      rule('ingress-lb-probe', 2310, 'Tcp', ['AzureLoadBalancer'], ['30080', '30443']),
      rule('ssh-from-agents', 2400, 'Tcp', agents, ['22']),
    ]);
  });

  test('private keys and the token are Key Vault secrets, each readable only by the roles that need them', () => {
    const secrets = resourcesOf(cluster, 'azurerm_key_vault_secret');
    expect(Object.values(secrets).map((s: any) => s.name).sort()).toEqual(['k8s-bootstrap-token', 'k8s-ca-key', 'k8s-etcd-ca-key', 'k8s-front-proxy-ca-key', 'k8s-sa-key']);
    for (const s of Object.values(secrets) as any[]) expect(s.key_vault_id).toMatch(/terraform_remote_state\.cross-stack-reference-input-\w+-keyvault/);
    const assignments = list(cluster, 'azurerm_role_assignment').filter((a) => a.role_definition_name === 'Key Vault Secrets User');
    const readers = (secretName: string) => {
      const key = Object.entries(secrets).find(([, s]: any) => s.name === secretName)![0];
      return assignments
        .filter((a) => a.scope === `\${azurerm_key_vault_secret.${key}.resource_versionless_id}`)
        .map((a) => a.principal_id.match(/identity-([\w-]+)\.principal_id/)![1])
        .sort();
    };
    expect(readers('k8s-bootstrap-token')).toEqual(['control-plane', 'worker']);
    for (const name of ['k8s-ca-key', 'k8s-front-proxy-ca-key', 'k8s-etcd-ca-key', 'k8s-sa-key']) expect(readers(name)).toEqual(['control-plane']);
    // The cloud-init documents carry only the vault URI and secret names.
    for (const vm of vms) {
      expect(vm.custom_data).toMatch(/^\$\{base64encode\("#cloud-config/);
      expect(vm.custom_data).not.toMatch(/tls_private_key\.[\w-]+\.private_key|random_password|PRIVATE KEY/);
    }
  });

  test('PKI: 10-year CAs, admin client certificate in kubeadm:cluster-admins, bootstrap token from random', () => {
    const cas = list(cluster, 'tls_self_signed_cert');
    expect(cas.map((ca) => ca.subject[0].common_name).sort()).toEqual(['etcd-ca', 'front-proxy-ca', 'kubernetes']);
    for (const ca of cas) expect(ca).toMatchObject({ is_ca_certificate: true, validity_period_hours: 87600 });
    expect(list(cluster, 'tls_cert_request')[0].subject[0]).toMatchObject({ organization: 'kubeadm:cluster-admins' });
    expect(JSON.stringify(cluster)).not.toContain('system:masters');
    expect(list(cluster, 'tls_locally_signed_cert')[0]).toMatchObject({ allowed_uses: ['client_auth', 'digital_signature', 'key_encipherment'], validity_period_hours: 8760, early_renewal_hours: 720 });
    const passwords = list(cluster, 'random_password');
    expect(passwords.map((p) => p.length).sort()).toEqual([16, 6]);
    for (const p of passwords) expect(p).toMatchObject({ upper: false, lower: true, numeric: true, special: false, keepers: { rotation: '1' } });
  });

  test('a readiness gate per node: bounded wait for the sentinel; every VM created at once, joins ordered on the nodes', () => {
    const exts = resourcesOf(cluster, 'azurerm_virtual_machine_extension');
    expect(Object.keys(exts)).toHaveLength(controlPlanes + workers);
    const vmKeys = Object.entries(resourcesOf(cluster, 'azurerm_linux_virtual_machine'));
    const gateOf = (vmName: string) => {
      const vmKey = vmKeys.find(([, v]) => v.name === vmName)![0];
      return Object.entries(exts).find(([, e]: any) => e.virtual_machine_id === `\${azurerm_linux_virtual_machine.${vmKey}.id}`)!;
    };
    for (const vm of vms) {
      const [, ext] = gateOf(vm.name) as [string, any];
      expect(ext).toMatchObject({ publisher: 'Microsoft.Azure.Extensions', type: 'CustomScript', type_handler_version: '2.1' });
      const script = decodeSettingsScript(ext);
      expect(script).toContain('readonly ATTEMPTS=360');
      expect(script).toContain(`readonly ENSURE_TOKEN=${vm.name.endsWith('cp-0') ? 'yes' : 'no'}`);
    }
    // No VM waits for another node's gate in Terraform: all are created at once and prepare in parallel.
    for (const vm of vms) expect((vm.depends_on ?? []).join()).not.toMatch(/azurerm_virtual_machine_extension/);
    // The order lives on the nodes (K8S_JOIN_AFTER, see join-order.test.ts) and is recorded for the time estimate.
    const gateAddress = (vmName: string) => `azurerm_virtual_machine_extension.${gateOf(vmName)[0]}`;
    const hint = (vmName: string) => (gateOf(vmName)[1] as any)['//'].criticalPath;
    expect(hint(`vm-hyb-${env}-cp-0`)).toEqual({ onNode: 'kubeadm-init', waitsOnNodeFor: [] });
    for (let i = 1; i < controlPlanes; i++) {
      expect(hint(`vm-hyb-${env}-cp-${i}`)).toEqual({ onNode: 'kubeadm-join-control-plane', waitsOnNodeFor: [gateAddress(`vm-hyb-${env}-cp-${i - 1}`)] });
    }
    for (const vm of wkVms) expect(hint(vm.name)).toEqual({ onNode: 'kubeadm-join-worker', waitsOnNodeFor: [gateAddress(`vm-hyb-${env}-cp-0`)] });
    // The etcd disk is attached before the control plane's gate can pass; after a token rotation the gate that
    // registers the token runs only once Key Vault holds the new value.
    const tokenSecret = Object.entries(resourcesOf(cluster, 'azurerm_key_vault_secret')).find(([, s]: any) => s.name === 'k8s-bootstrap-token')![0];
    for (const vm of cpVms) {
      const dependsOn = (gateOf(vm.name)[1] as any).depends_on as string[];
      expect(dependsOn.join()).toMatch(/azurerm_virtual_machine_data_disk_attachment/);
      expect(dependsOn).toContain(`azurerm_key_vault_secret.${tokenSecret}`);
    }
    // The secrets' reader roles: every gate waits for them (its timeout starts once they exist), no VM does (the VMs
    // boot and prepare while the secrets wait for the deployer's role; kv-secret retries on the node).
    const readerRoles = Object.keys(resourcesOf(cluster, 'azurerm_role_assignment')).filter((k) => /^secrets_/.test(k)).map((k) => `azurerm_role_assignment.${k}`);
    expect(readerRoles.length).toBeGreaterThan(0);
    for (const vm of vms) {
      expect((gateOf(vm.name)[1] as any).depends_on).toEqual(expect.arrayContaining(readerRoles));
      expect((vm.depends_on ?? []).join()).not.toMatch(/azurerm_role_assignment|azurerm_key_vault_secret|time_sleep/);
    }
    // depends_on holds plain addresses, as Terraform requires (no interpolation).
    for (const resources of Object.values(cluster.resource) as Record<string, any>[]) {
      for (const r of Object.values(resources)) for (const d of r.depends_on ?? []) expect(d).toMatch(/^[a-z_]+\.[\w-]+$/);
    }
  });

  test('private DNS: the API and application names in a zone linked to the hub and the cluster spoke', () => {
    expect(list(cluster, 'azurerm_private_dns_zone').map((z) => z.name)).toEqual([c.dns.zoneName]);
    const links = list(cluster, 'azurerm_private_dns_zone_virtual_network_link');
    expect(links.map((l) => l.name).sort()).toEqual(['link-cluster', 'link-hub']);
    expect(links.find((l) => l.name === 'link-hub').virtual_network_id).toMatch(/azurerm_virtual_networkhub_vnet/);
    const records = Object.fromEntries(list(cluster, 'azurerm_private_dns_a_record').map((r) => [r.name, r.records]));
    expect(records).toEqual({ api: [c.apiServer.privateIp], ...Object.fromEntries(Object.values(c.ingress.hosts).map((h) => [h, [c.ingress.privateIp]])) });
  });

  test('outputs for the platform stack: endpoint, CA, admin certificate and (sensitive) key, node names', () => {
    const o = cluster.output;
    expect(o.api_endpoint.value).toBe(`https://api.${c.dns.zoneName}:6443`);
    expect(o.ca_cert_pem.value).toMatch(/tls_self_signed_cert\.pki_cluster-ca-cert.*\.cert_pem/);
    expect(o.admin_client_cert_pem.value).toMatch(/tls_locally_signed_cert\..*\.cert_pem/);
    expect(o.admin_client_key_pem).toMatchObject({ sensitive: true, value: expect.stringMatching(/tls_private_key\.pki_admin-key.*\.private_key_pem/) });
    expect(o.worker_node_names.value).toEqual(wkVms.map((vm) => vm.name));
    expect(o.readiness_gates.value).toHaveLength(controlPlanes + workers);
  });

  test('the policy pack finds no errors in the cluster stack or the cluster NSG rules', () => {
    const report = runPolicy(outdir);
    const blocking = report.findings.filter((f) => f.severity === 'error' && !f.suppressed && (f.stack === `${env}-cluster` || /nsg-nodes/.test(f.address)));
    expect(blocking).toEqual([]);
  });

  test('the policy pack rejects a cluster rule that opens 6443 to the internet', () => {
    const key = Object.entries(resourcesOf(network, 'azurerm_network_security_rule')).find(([, r]: any) => r.name === 'k8s-api-from-agents')![0];
    const stackMap = new Map(Object.entries(stacks).map(([id, s]) => [id, JSON.parse(JSON.stringify(s))]));
    expect(checkStacks(stackMap, [{ name: 'kube-api', description: '', rules: [nsgKubeApi] }]).findings).toEqual([]);
    stackMap.get(`${env}-network`).resource.azurerm_network_security_rule[key].source_address_prefix = 'Internet';
    const findings = checkStacks(stackMap, [{ name: 'kube-api', description: '', rules: [nsgKubeApi] }]).findings;
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'AZ-NSG-004', status: 'fail', address: `azurerm_network_security_rule.${key}` })]);
  });
});

describe('bootstrap token rotation', () => {
  test('bumping cluster.bootstrapToken.rotation regenerates the token and changes every gate (Azure re-runs them)', () => {
    const loaded = loadEnvironments(['dev'])[0];
    const synthCluster = (rotation: number) => {
      const app = Testing.app();
      const config = { ...loaded.config, cluster: { ...loaded.config.cluster, bootstrapToken: { ...loaded.config.cluster.bootstrapToken, rotation } } };
      const stacks = buildApp(app, [{ ...loaded, config }]);
      return JSON.parse(Testing.synth(stacks.dev.cluster));
    };
    const [before, after] = [synthCluster(1), synthCluster(2)];
    for (const p of list(after, 'random_password')) expect(p.keepers).toEqual({ rotation: '2' });
    const scripts = (s: any) => list(s, 'azurerm_virtual_machine_extension').map(decodeSettingsScript);
    expect(scripts(after).every((s, i) => s !== scripts(before)[i] && s.includes('Bootstrap token rotation 2'))).toBe(true);
    // custom_data changes are ignored on existing VMs: a rotation never replaces nodes.
    for (const vm of list(after, 'azurerm_linux_virtual_machine')) expect(vm.lifecycle.ignore_changes).toEqual(['custom_data', 'source_image_reference']);
  });
});
