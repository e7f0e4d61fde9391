/**
 * The Pod Security Standards' `baseline` and `restricted` controls (kubernetes.io/docs/concepts/security/
 * pod-security-standards, policy version latest), applied to a rendered pod spec the way Pod Security Admission
 * rejects pods at `enforce`: a workload that violates its namespace's level is created, but its pods never are.
 * Controls that only matter on Windows or on AppArmor/SELinux hosts are checked only when the spec sets them.
 */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Capabilities baseline allows to add. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set(['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

function containers(spec: Json): Json[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** Violations of `level` by one pod spec, as readable sentences (empty when the pod is admitted). */
export function podSecurityViolations(spec: Json, level: PodSecurityLevel): string[] {
  if (level === 'privileged') return [];
  const out: string[] = [];
  const pod = spec.securityContext ?? {};
  const all = containers(spec);
  const named = (c: Json) => `container ${c.name}`;

  // --- baseline ---
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[host] === true) out.push(`${host}: true`);
  if (pod.windowsOptions?.hostProcess === true) out.push('windowsOptions.hostProcess: true');
  for (const v of spec.volumes ?? []) if (v.hostPath) out.push(`hostPath volume ${v.name}`);
  for (const s of pod.sysctls ?? []) if (!SAFE_SYSCTLS.has(s.name)) out.push(`unsafe sysctl ${s.name}`);
  const checkSeLinux = (o: Json | undefined, where: string) => {
    if (!o) return;
    if (!SELINUX_TYPES.has(o.type ?? '')) out.push(`${where} seLinuxOptions.type ${o.type}`);
    if (o.user || o.role) out.push(`${where} seLinuxOptions.user/role set`);
  };
  checkSeLinux(pod.seLinuxOptions, 'pod');
  const seccompOk = (p: Json | undefined, allowUnset: boolean) => (p?.type === undefined ? allowUnset : ['RuntimeDefault', 'Localhost'].includes(p.type));
  if (pod.seccompProfile?.type === 'Unconfined') out.push('pod seccompProfile Unconfined');
  if (pod.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(pod.appArmorProfile.type)) out.push(`pod appArmorProfile ${pod.appArmorProfile.type}`);
  for (const c of all) {
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) out.push(`${named(c)}: privileged`);
    if (sc.windowsOptions?.hostProcess === true) out.push(`${named(c)}: windowsOptions.hostProcess`);
    for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) out.push(`${named(c)}: adds capability ${cap}`);
    for (const p of c.ports ?? []) if (p.hostPort) out.push(`${named(c)}: hostPort ${p.hostPort}`);
    if (sc.procMount && sc.procMount !== 'Default') out.push(`${named(c)}: procMount ${sc.procMount}`);
    if (sc.seccompProfile?.type === 'Unconfined') out.push(`${named(c)}: seccompProfile Unconfined`);
    if (sc.appArmorProfile && !['RuntimeDefault', 'Localhost'].includes(sc.appArmorProfile.type)) out.push(`${named(c)}: appArmorProfile ${sc.appArmorProfile.type}`);
    checkSeLinux(sc.seLinuxOptions, named(c));
  }
  if (level === 'baseline') return out;

  // --- restricted ---
  for (const v of spec.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (type && !RESTRICTED_VOLUMES.has(type)) out.push(`volume ${v.name} of type ${type}`);
  }
  if (pod.runAsUser === 0) out.push('pod runAsUser 0');
  for (const c of all) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false) out.push(`${named(c)}: allowPrivilegeEscalation is not false`);
    const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot !== true) out.push(`${named(c)}: runAsNonRoot is not true`);
    if (sc.runAsUser === 0) out.push(`${named(c)}: runAsUser 0`);
    if (!(seccompOk(sc.seccompProfile, false) || (sc.seccompProfile === undefined && seccompOk(pod.seccompProfile, false)))) out.push(`${named(c)}: seccompProfile is neither RuntimeDefault nor Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${named(c)}: capabilities.drop does not include ALL`);
    for (const cap of sc.capabilities?.add ?? []) if (cap !== 'NET_BIND_SERVICE') out.push(`${named(c)}: adds capability ${cap} (restricted allows only NET_BIND_SERVICE)`);
  }
  return out;
}
