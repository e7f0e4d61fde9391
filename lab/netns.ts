import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Network namespaces for one lab run: unique names (`hl-<pid36>-<rand>-<role>`), veth links created directly
 * inside the lab's namespaces (no interface ever exists in the host namespace, so nothing can route out), daemons
 * tracked and killed, everything removed by cleanup(), which runs on every exit path (normal end, exception,
 * SIGINT/SIGTERM/SIGHUP, process exit) and for runs whose process died (sweepStale).
 */

const PREFIX = 'hl-';
const live = new Set<NetnsLab>();
let handlersInstalled = false;

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => { for (const lab of live) lab.cleanup(); });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      for (const lab of live) lab.cleanup();
      process.exit(128 + (os.constants.signals[signal] ?? 1));
    });
  }
}

/** Why this machine cannot run the lab, or undefined when it can. */
export function labPrerequisites(): string | undefined {
  if (process.platform !== 'linux') return `the lab needs Linux network namespaces; this is ${process.platform}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the lab creates network namespaces and must run as root (CI runs as root); run it with sudo';
  const missing = ['ip', 'nft', 'named', 'named-checkconf', 'swanctl', 'dig', 'openssl', 'unshare'].filter((t) => !which(t));
  if (!fs.existsSync('/usr/lib/ipsec/charon')) missing.push('/usr/lib/ipsec/charon (strongswan-charon)');
  if (!fs.existsSync('/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so')) missing.push('kernel-libipsec plugin (libcharon-extra-plugins)');
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}; install them with: scripts/install-test-tools.sh`;
  if (!fs.existsSync('/dev/net/tun')) return '/dev/net/tun is missing: strongSwan userspace IPsec (kernel-libipsec) needs a TUN device';
  const probe = `${PREFIX}probe-${process.pid.toString(36)}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (e) {
    return `cannot create a network namespace (ip netns add): ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}. The lab needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root, or a privileged container)`;
  } finally {
    try { execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' }); } catch { /* never created */ }
  }
  return undefined;
}

function which(tool: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']).some((d) => fs.existsSync(path.join(d, tool)));
}

const pidAlive = (pid: number) => { try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; } };

/** Removes namespaces (and their /etc/netns overlays) left by lab runs whose process no longer exists. */
export function sweepStale(): string[] {
  let names: string[] = [];
  try { names = fs.readdirSync('/run/netns'); } catch { return []; }
  const stale = names.filter((n) => n.startsWith(PREFIX) && !n.startsWith(`${PREFIX}probe`)).filter((n) => !pidAlive(parseInt(n.split('-')[1] ?? '', 36)));
  for (const ns of stale) destroyNamespace(ns);
  return stale;
}

function destroyNamespace(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { stdio: 'pipe' }).toString().split(/\s+/).filter(Boolean);
    for (const pid of pids) try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
  } catch { /* namespace already gone */ }
  try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' }); } catch { /* already gone */ }
  fs.rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
}

export class NetnsLab {
  readonly id = `${process.pid.toString(36)}-${crypto.randomBytes(2).toString('hex')}`;
  readonly dir: string;
  readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];
  private cleaned = false;
  readonly log: string[] = [];

  constructor() {
    installExitHandlers();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `hybrid-lab-${this.id}-`));
    live.add(this);
  }

  ns(role: string): string {
    return `${PREFIX}${this.id}-${role}`;
  }

  /** Runs a command in the host namespace (ip, nft) and returns stdout; throws with stderr on failure. */
  run(cmd: string, args: ReadonlyArray<string>, input?: string, timeoutMs = 15000): string {
    this.log.push(`$ ${cmd} ${args.join(' ')}`);
    try {
      return execFileSync(cmd, args as string[], { stdio: 'pipe', input, timeout: timeoutMs }).toString();
    } catch (e) {
      const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
      throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr?.toString() || err.stdout?.toString() || err.message).trim()}`);
    }
  }

  /** Runs a command inside a namespace. */
  exec(role: string, args: ReadonlyArray<string>, input?: string, timeoutMs = 15000): string {
    return this.run('ip', ['netns', 'exec', this.ns(role), ...args], input, timeoutMs);
  }

  addNamespace(role: string, forwarding = false): void {
    const ns = this.ns(role);
    this.run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.exec(role, ['ip', 'link', 'set', 'lo', 'up']);
    const sysctls = ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', `net.ipv4.ip_forward=${forwarding ? 1 : 0}`, 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];
    this.exec(role, ['sysctl', '-q', '-w', ...sysctls]);
  }

  /** A veth pair between two lab namespaces, created inside them (never in the host namespace). */
  link(a: string, ifA: string, b: string, ifB: string): void {
    this.run('ip', ['link', 'add', ifA, 'netns', this.ns(a), 'type', 'veth', 'peer', 'name', ifB, 'netns', this.ns(b)]);
    this.exec(a, ['ip', 'link', 'set', ifA, 'up']);
    this.exec(b, ['ip', 'link', 'set', ifB, 'up']);
  }

  /** Starts a long-running process inside a namespace through a shell script (killed by cleanup). */
  daemon(role: string, name: string, script: string): ChildProcess {
    const logFile = path.join(this.dir, `${name}.log`);
    const out = fs.openSync(logFile, 'a');
    const child = spawn('ip', ['netns', 'exec', this.ns(role), 'sh', '-c', script], { stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    this.children.push(child);
    this.log.push(`[${role}] daemon ${name}: ${script}`);
    return child;
  }

  readLog(name: string): string {
    try { return fs.readFileSync(path.join(this.dir, `${name}.log`), 'utf8'); } catch { return ''; }
  }

  /** /etc/netns/<ns>/ overlay (`ip netns exec` bind-mounts its entries over /etc). */
  etc(role: string, file: string, content: string): void {
    const target = path.join('/etc/netns', this.ns(role), file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode: 0o600 });
  }

  write(file: string, content: string, mode = 0o644): string {
    const target = path.join(this.dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content, { mode });
    return target;
  }

  /** Every interface of every lab namespace has its peer in a lab namespace: nothing routes out of the lab. */
  assertIsolated(): void {
    for (const ns of this.namespaces) {
      const links = JSON.parse(this.run('ip', ['-n', ns, '-j', 'link', 'show'])) as Array<{ ifname: string; link_netnsid?: number; link_type?: string }>;
      for (const l of links) {
        if (l.ifname === 'lo' || l.link_type === 'none') continue;
        if (l.link_netnsid === undefined) throw new Error(`${ns}/${l.ifname} has no peer namespace id: it might reach the host namespace`);
      }
      const ids = JSON.parse(this.run('ip', ['-n', ns, '-j', 'netns', 'list-id'])) as Array<{ nsid: number; name?: string }>;
      for (const id of ids) if (!id.name || !this.namespaces.includes(id.name)) throw new Error(`${ns} is linked to a namespace outside the lab (nsid ${id.nsid}${id.name ? ` ${id.name}` : ''})`);
    }
  }

  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const c of this.children) {
      try { if (c.pid) process.kill(-c.pid, 'SIGKILL'); } catch { /* exited */ }
    }
    for (const ns of this.namespaces) destroyNamespace(ns);
    if (!process.env.LAB_KEEP_DIR) fs.rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}
