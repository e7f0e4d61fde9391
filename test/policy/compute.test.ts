import { gzipSync } from 'node:zlib';
import { findPrivateKeyMaterial, nicNoIpForwarding, nicNoPublicIp, vmNoSecretsInCustomData, vmPasswordAuthDisabled, vmSshKey } from '../../policy/rules/compute';
import { compliant, kinds, run, runOne, stack } from './fixtures';

const NIC = 'azurerm_network_interface';
const VM = 'azurerm_linux_virtual_machine';
const VMSS = 'azurerm_linux_virtual_machine_scale_set';
// Built at runtime so the repository never contains a PEM header literal that secret scanners would flag.
const PEM = `-----BEGIN ${'RSA '}PRIVATE KEY-----\nMIIEowIBAAKCAQEAexample\n-----END RSA PRIVATE KEY-----\n`;

const vmss = () => ({
  ...compliant.linuxVm(),
  network_interface: [{ name: 'nic', primary: true, ip_configuration: [{ name: 'ip', subnet_id: '${azurerm_subnet.cluster.id}' }] }],
});

describe(`${nicNoPublicIp.id}: ${nicNoPublicIp.title}`, () => {
  test('compliant NIC and scale set', () => {
    expect(runOne(nicNoPublicIp, NIC, compliant.nic())).toEqual([]);
    expect(runOne(nicNoPublicIp, VMSS, vmss())).toEqual([]);
  });
  test('fails with public_ip_address_id, even though its value is unknown at synth', () => {
    const nic = compliant.nic();
    (nic['ip_configuration'] as Record<string, unknown>[])[0]!['public_ip_address_id'] = '${azurerm_public_ip.pip.id}';
    expect(kinds(runOne(nicNoPublicIp, NIC, nic))).toEqual(['fail']);
  });
  test('fails with a per-instance public IP on a scale set', () => {
    const s = vmss();
    (s.network_interface[0]!.ip_configuration[0] as Record<string, unknown>)['public_ip_address'] = [{ name: 'pip' }];
    expect(kinds(runOne(nicNoPublicIp, VMSS, s))).toEqual(['fail']);
  });
});

describe(`${nicNoIpForwarding.id}: ${nicNoIpForwarding.title}`, () => {
  test('compliant: unset or false', () => {
    expect(runOne(nicNoIpForwarding, NIC, compliant.nic())).toEqual([]);
    expect(runOne(nicNoIpForwarding, NIC, { ...compliant.nic(), ip_forwarding_enabled: false })).toEqual([]);
  });
  test('fails when enabled without a declaration', () => {
    expect(kinds(runOne(nicNoIpForwarding, NIC, { ...compliant.nic(), ip_forwarding_enabled: true }))).toEqual(['fail']);
    const s = vmss();
    (s.network_interface[0] as Record<string, unknown>)['enable_ip_forwarding'] = true;
    expect(kinds(runOne(nicNoIpForwarding, VMSS, s))).toEqual(['fail']);
  });
  test('unknown', () => {
    expect(kinds(runOne(nicNoIpForwarding, NIC, { ...compliant.nic(), ip_forwarding_enabled: '${var.forward}' }))).toEqual(['unknown']);
  });
});

describe.each([VM, VMSS])('%s', (type) => {
  const base = type === VM ? compliant.linuxVm : vmss;
  describe(`${vmPasswordAuthDisabled.id}: ${vmPasswordAuthDisabled.title}`, () => {
    test('compliant (explicit true, or the default)', () => {
      expect(runOne(vmPasswordAuthDisabled, type, base())).toEqual([]);
      const c: Record<string, unknown> = base();
      delete c['disable_password_authentication'];
      expect(runOne(vmPasswordAuthDisabled, type, c)).toEqual([]);
    });
    test('fails when password auth is enabled or a password is set', () => {
      expect(kinds(runOne(vmPasswordAuthDisabled, type, { ...base(), disable_password_authentication: false }))).toEqual(['fail']);
      expect(kinds(runOne(vmPasswordAuthDisabled, type, { ...base(), admin_password: '${random_password.vm.result}' }))).toEqual(['fail']);
    });
    test('unknown', () => {
      expect(kinds(runOne(vmPasswordAuthDisabled, type, { ...base(), disable_password_authentication: '${var.pw}' }))).toEqual(['unknown']);
    });
  });
  describe(`${vmSshKey.id}: ${vmSshKey.title}`, () => {
    test('compliant with a literal key or a reference to a generated one', () => {
      expect(runOne(vmSshKey, type, base())).toEqual([]);
      expect(runOne(vmSshKey, type, { ...base(), admin_ssh_key: [{ username: 'u', public_key: '${tls_private_key.ssh.public_key_openssh}' }] })).toEqual([]);
    });
    test('fails without admin_ssh_key, with an empty key, or with a private key pasted in', () => {
      const c: Record<string, unknown> = base();
      delete c['admin_ssh_key'];
      expect(kinds(runOne(vmSshKey, type, c))).toEqual(['fail']);
      expect(kinds(runOne(vmSshKey, type, { ...base(), admin_ssh_key: [{ username: 'u', public_key: '' }] }))).toEqual(['fail']);
      expect(kinds(runOne(vmSshKey, type, { ...base(), admin_ssh_key: [{ username: 'u', public_key: PEM }] }))).toEqual(['fail']);
    });
  });
  describe(`${vmNoSecretsInCustomData.id}: ${vmNoSecretsInCustomData.title}`, () => {
    test('compliant: cloud-config without key material', () => {
      expect(runOne(vmNoSecretsInCustomData, type, base())).toEqual([]);
    });
    test('fails: base64 custom_data that decodes to a PEM private key', () => {
      const custom_data = Buffer.from(`#cloud-config\nwrite_files:\n- path: /etc/kubernetes/pki/ca.key\n  content: |\n    ${PEM}`).toString('base64');
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }))).toEqual(['fail']);
    });
    test('fails: a PEM literal inside ${base64encode(...)}', () => {
      const custom_data = `\${base64encode("#cloud-config\\nwrite_files:\\n- content: ${PEM.replace(/\n/g, '\\n')}")}`;
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }))).toEqual(['fail']);
    });
    test('fails: base64 inside the cloud-config (write_files encoding: b64) is decoded too', () => {
      const inner = Buffer.from(PEM).toString('base64');
      const custom_data = Buffer.from(`#cloud-config\nwrite_files:\n- encoding: b64\n  content: ${inner}\n`).toString('base64');
      expect(findPrivateKeyMaterial(custom_data)).toBeDefined();
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }))).toEqual(['fail']);
    });
    const keys = { tls_private_key: { ca: { algorithm: 'RSA' }, sa: { algorithm: 'RSA' } } };
    test('fails: gzip-compressed, base64-encoded custom_data (cloud-init accepts it)', () => {
      const custom_data = gzipSync(Buffer.from(`#cloud-config\nwrite_files:\n- content: |\n    ${PEM}`)).toString('base64');
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }))).toEqual(['fail']);
    });
    test('fails: interpolating a tls_private_key private key', () => {
      const custom_data = '${base64encode(templatefile("x.yaml", { name = "cp", key = tls_private_key.ca.private_key_pem }))}';
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }, keys))).toEqual(['fail']);
    });
    test('fails: a private key from another stack (cdktf cross-stack output)', () => {
      const stacks = {
        'dev-pki': stack({ ...keys }, { output: { 'cross-stack-output-ca_key': { value: '${tls_private_key.ca.private_key_pem}' } } }),
        'dev-cluster': stack({
          [type]: {
            subject: {
              ...base(),
              custom_data: '${base64encode("key: ${data.terraform_remote_state.cross-stack-reference-input-dev-pki.outputs.cross-stack-output-ca_key}")}',
            },
          },
        }),
      };
      expect(kinds(run(vmNoSecretsInCustomData, stacks, `${type}.subject`, 'dev-cluster'))).toEqual(['fail']);
    });
    test('fails: interpolating a Key Vault secret value', () => {
      const custom_data = '${base64encode("token: ${data.azurerm_key_vault_secret.join.value}")}';
      expect(kinds(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }))).toEqual(['fail']);
    });
    test('compliant: interpolating only public material', () => {
      const custom_data = '${base64encode(join("", [tls_self_signed_cert.ca.cert_pem, tls_private_key.sa.public_key_pem]))}';
      expect(runOne(vmNoSecretsInCustomData, type, { ...base(), custom_data }, keys)).toEqual([]);
    });
  });
});
