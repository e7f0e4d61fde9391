/**
 * Hand-written cdk.tf.json fragments: a compliant baseline per resource type, mutated by each test into the
 * non-compliant and unknown cases. Keeping them as JSON (not synthesized) keeps the rule tests millisecond-fast and
 * lets them express shapes (overrides, hand-written metadata) the typed bindings would not produce.
 */
import { AppContext, type StackJson } from '../../policy/resolve';
import type { Problem, Rule } from '../../policy/types';

export type Config = Record<string, unknown>;

export const compliant = {
  storage: (): Config => ({
    name: 'stcache',
    https_traffic_only_enabled: true,
    min_tls_version: 'TLS1_2',
    public_network_access_enabled: false,
    allow_nested_items_to_be_public: false,
    shared_access_key_enabled: false,
    network_rules: { default_action: 'Deny', bypass: ['AzureServices'] },
  }),
  keyVault: (): Config => ({
    name: 'kv-dev',
    purge_protection_enabled: true,
    public_network_access_enabled: false,
    network_acls: { default_action: 'Deny', bypass: 'AzureServices' },
  }),
  nsgRule: (): Config => ({
    name: 'allow-ssh-agents',
    direction: 'Inbound',
    access: 'Allow',
    protocol: 'Tcp',
    priority: 100,
    source_address_prefix: '10.0.3.0/24',
    source_port_range: '*',
    destination_address_prefix: '*',
    destination_port_range: '22',
  }),
  nic: (): Config => ({
    name: 'nic-cp-0',
    ip_configuration: [{ name: 'ipconfig', subnet_id: '${azurerm_subnet.cluster.id}', private_ip_address_allocation: 'Dynamic' }],
  }),
  linuxVm: (): Config => ({
    name: 'vm-cp-0',
    admin_username: 'azureuser',
    disable_password_authentication: true,
    admin_ssh_key: [{ username: 'azureuser', public_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample op@example' }],
    custom_data: Buffer.from('#cloud-config\npackages: [curl]\n').toString('base64'),
  }),
  disk: (): Config => ({
    name: 'disk-etcd',
    disk_encryption_set_id: '${azurerm_disk_encryption_set.des.id}',
    public_network_access_enabled: false,
    network_access_policy: 'DenyAll',
  }),
  postgres: (): Config => ({
    name: 'psql-dev',
    public_network_access_enabled: false,
    administrator_login: 'pgadmin',
    administrator_password: '${random_password.pg.result}',
  }),
  recoveryVault: (): Config => ({ name: 'rsv-dev', sku: 'Standard', public_network_access_enabled: false }),
  registry: (): Config => ({ name: 'acrdev', sku: 'Premium', public_network_access_enabled: false, admin_enabled: false }),
};

/** A stack JSON from `{ type: { name: config } }`, plus optional variables/locals/outputs/data. */
export function stack(resource: Record<string, Record<string, Config>>, extra: Omit<StackJson, 'resource'> = {}): StackJson {
  return { resource, ...extra };
}

/** Runs one rule on one resource of a single-stack (or multi-stack) app and returns its problems. */
export function run(rule: Rule, stacks: StackJson | Record<string, StackJson>, address: string, stackId = 'dev-test'): Problem[] {
  const map = 'resource' in stacks || 'variable' in stacks || 'output' in stacks ? new Map([[stackId, stacks as StackJson]]) : new Map(Object.entries(stacks as Record<string, StackJson>));
  const app = new AppContext(map);
  const ctx = app.stack(stackId);
  const [type, name] = address.split('.') as [string, string];
  const resource = ctx.resource(type, name);
  if (!resource) throw new Error(`fixture has no ${address} in ${stackId}`);
  if (!rule.appliesTo.includes(type)) throw new Error(`${rule.id} does not apply to ${type}`);
  return rule.check(resource, ctx);
}

/** Runs a rule on a single resource given only its type and config. */
export function runOne(rule: Rule, type: string, config: Config, extra: Record<string, Record<string, Config>> = {}): Problem[] {
  return run(rule, stack({ ...extra, [type]: { ...(extra[type] ?? {}), subject: config } }), `${type}.subject`);
}

export const kinds = (problems: Problem[]): string[] => problems.map((p) => p.kind);
