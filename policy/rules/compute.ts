/** NIC, Linux VM and Linux scale set rules (checkov CKV_AZURE_119/118/149/178; secret scan of custom_data). */
import { gunzipSync } from 'node:zlib';
import type { StackContext } from '../resolve';
import { blocks, referencesIn } from '../resolve';
import type { Problem, Rule, SynthResource } from '../types';
import { fail, unknown } from './helpers';

const NIC = 'azurerm_network_interface';
const VM = 'azurerm_linux_virtual_machine';
const VMSS = 'azurerm_linux_virtual_machine_scale_set';

/** `[label, ip_configuration block]` for a NIC and for every NIC of a scale set. */
function ipConfigurations(r: SynthResource): [string, Record<string, unknown>][] {
  if (r.type === NIC) return blocks(r.config['ip_configuration']).map((b, i) => [`ip_configuration[${i}]`, b]);
  return blocks(r.config['network_interface']).flatMap((nic, n) =>
    blocks(nic['ip_configuration']).map((b, i): [string, Record<string, unknown>] => [`network_interface[${n}].ip_configuration[${i}]`, b]),
  );
}

export const nicNoPublicIp: Rule = {
  id: 'AZ-NIC-001',
  checkov: ['CKV_AZURE_119'],
  severity: 'error',
  title: 'Network interfaces have no public IP',
  explanation: 'Machines here are reached over the VPN and through internal load balancers; a public IP on a NIC bypasses both and the NSG design.',
  remediation: 'Remove public_ip_address_id (NIC) or the public_ip_address block (scale set); egress uses the NAT gateway.',
  appliesTo: [NIC, VMSS],
  check: (r) => {
    const problems: Problem[] = [];
    for (const [label, cfg] of ipConfigurations(r)) {
      const key = r.type === NIC ? 'public_ip_address_id' : 'public_ip_address';
      // Any value, even an unknown reference, attaches a public IP: presence is the violation.
      if (cfg[key] !== undefined && cfg[key] !== null) problems.push(fail(`${label}.${key} is set (${JSON.stringify(cfg[key])}).`));
    }
    return problems;
  },
};

export const nicNoIpForwarding: Rule = {
  id: 'AZ-NIC-002',
  checkov: ['CKV_AZURE_118'],
  severity: 'error',
  title: 'Network interfaces do not forward IP traffic unless declared',
  explanation: 'IP forwarding turns a VM into a router that can bypass NSGs and route tables. It is only legitimate on declared appliances.',
  remediation:
    "Leave ip_forwarding_enabled unset/false. For a deliberate router or NVA, declare it: suppress(nic, 'AZ-NIC-002', '<why this NIC routes>').",
  appliesTo: [NIC, VMSS],
  check: (r, ctx) => {
    const places: [string, Record<string, unknown>, string][] =
      r.type === NIC
        ? [['', r.config, 'ip_forwarding_enabled']]
        : blocks(r.config['network_interface']).map((nic, n): [string, Record<string, unknown>, string] => [`network_interface[${n}].`, nic, 'enable_ip_forwarding']);
    const problems: Problem[] = [];
    for (const [prefix, cfg, key] of places) {
      const v = ctx.resolve(cfg[key]);
      if (!v.known) problems.push(unknown(`${prefix}${key} is ${v.expression}, unknown at synth; cannot show forwarding is off.`));
      else if (v.value === true) problems.push(fail(`${prefix}${key} is true and not declared (no suppression with a reason).`));
    }
    return problems;
  },
};

export const vmPasswordAuthDisabled: Rule = {
  id: 'AZ-VM-001',
  checkov: ['CKV_AZURE_149', 'CKV_AZURE_1'],
  severity: 'error',
  title: 'Linux VMs and scale sets disable password authentication',
  explanation: 'Password SSH logins can be brute-forced and shared; keys are per-person and revocable.',
  remediation: 'Leave disable_password_authentication unset (default true) or true, and do not set admin_password.',
  appliesTo: [VM, VMSS],
  check: (r, ctx) => {
    const v = ctx.attr(r.config, 'disable_password_authentication');
    if (!v.known) return [unknown(`disable_password_authentication is ${v.expression}, unknown at synth.`)];
    const problems: Problem[] = [];
    if (v.value === false) problems.push(fail('disable_password_authentication is false.'));
    if (r.config['admin_password'] !== undefined) problems.push(fail('admin_password is set: password logins are configured.'));
    return problems;
  },
};

export const vmSshKey: Rule = {
  id: 'AZ-VM-002',
  checkov: ['CKV_AZURE_178'],
  severity: 'error',
  title: 'Linux VMs and scale sets have an SSH public key',
  explanation: 'With password authentication off, an admin_ssh_key is the only way in; without one the machine is unmanageable or falls back to passwords.',
  remediation: 'Add admin_ssh_key { username, public_key } with the key from configuration (never a private key).',
  appliesTo: [VM, VMSS],
  check: (r, ctx) => {
    const keys = blocks(r.config['admin_ssh_key']);
    if (keys.length === 0) return [fail('no admin_ssh_key block.')];
    const problems: Problem[] = [];
    keys.forEach((k, i) => {
      const v = ctx.resolve(k['public_key']);
      // A reference (e.g. tls_private_key.public_key_openssh) is a key that exists at apply: compliant.
      if (v.known && (typeof v.value !== 'string' || v.value.trim() === '')) problems.push(fail(`admin_ssh_key[${i}].public_key is empty.`));
      else if (v.known && /PRIVATE KEY/.test(String(v.value))) problems.push(fail(`admin_ssh_key[${i}].public_key holds a private key.`));
    });
    return problems;
  },
};

const PEM_PRIVATE_KEY = /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----/;
const PRIVATE_KEY_ATTRIBUTES = new Set(['private_key_pem', 'private_key_openssh', 'private_key_pem_pkcs8']);
const KEY_VAULT_SECRET_VALUE = /\bdata\.azurerm_key_vault_secret\.[\w-]+\.value\b/;
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;

/** base64 → text; gzip payloads (cloud-init accepts gzipped user data) are inflated. */
function decode(run: string): string {
  const bytes = Buffer.from(run, 'base64');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch {
      return '';
    }
  }
  return bytes.toString('utf8');
}

/** Finds PEM private-key headers in text, in base64 (or base64 gzip) runs inside it, and one level deeper. */
export function findPrivateKeyMaterial(text: string, depth = 0): string | undefined {
  if (PEM_PRIVATE_KEY.test(text)) return depth === 0 ? 'a PEM private key header' : 'a base64-encoded PEM private key';
  if (depth >= 2) return undefined;
  for (const run of text.match(BASE64_RUN) ?? []) {
    const found = findPrivateKeyMaterial(decode(run), depth + 1);
    if (found) return found;
  }
  return undefined;
}

function scanCustomData(r: SynthResource, ctx: StackContext): Problem[] {
  const problems: Problem[] = [];
  for (const key of ['custom_data', 'user_data']) {
    const raw = r.config[key];
    if (typeof raw !== 'string') continue;
    // Scan the text as written (literals inside Fn.base64encode(...) are in it) and what a bare reference resolves to.
    const resolved = ctx.resolve(raw);
    const texts = [raw, ...(resolved.known && typeof resolved.value === 'string' && resolved.value !== raw ? [resolved.value] : [])];
    for (const text of texts) {
      const found = findPrivateKeyMaterial(text);
      if (found) {
        problems.push(fail(`${key} contains ${found}.`));
        break;
      }
    }
    // Interpolated secrets: private keys (followed across stacks) and Key Vault secret values.
    for (const ref of referencesIn(raw)) {
      const t = ctx.refTarget(ref);
      if (t?.resource.type === 'tls_private_key' && PRIVATE_KEY_ATTRIBUTES.has(String(t.attribute[0]))) {
        problems.push(fail(`${key} interpolates ${t.resource.address}.${String(t.attribute[0])}: the private key would travel in plain form in VM metadata.`));
      }
    }
    const kv = KEY_VAULT_SECRET_VALUE.exec(raw);
    if (kv) problems.push(fail(`${key} interpolates ${kv[0]}: the secret would travel in plain form in VM metadata.`));
  }
  return problems;
}

export const vmNoSecretsInCustomData: Rule = {
  id: 'AZ-VM-003',
  severity: 'error',
  title: 'No private keys in VM custom_data or user_data',
  explanation:
    'custom_data is readable by anyone with read access to the VM model and by every process on the machine (IMDS); private keys must be fetched from Key Vault at boot with the node identity.',
  remediation: 'Store the key as a Key Vault secret and fetch it in cloud-init via the managed identity through the Key Vault private endpoint.',
  appliesTo: [VM, VMSS],
  check: scanCustomData,
};

export const computeRules: Rule[] = [nicNoPublicIp, nicNoIpForwarding, vmPasswordAuthDisabled, vmSshKey, vmNoSecretsInCustomData];
