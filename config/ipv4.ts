/**
 * Minimal IPv4 and CIDR arithmetic for configuration checks (overlap, containment, host addresses).
 * Kept dependency-free: every address plan rule in config/validate builds on these few functions.
 */

export interface Cidr {
  /** The text as written in configuration, e.g. `10.10.0.0/22`. */
  readonly text: string;
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
  /** Number of addresses in the block (2^(32-prefix)). */
  readonly size: number;
}

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIpv4(text: string): boolean {
  return IPV4_RE.test(text);
}

export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) throw new Error(`"${ip}" is not a dotted-quad IPv4 address`);
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Why `text` is not a canonical IPv4 CIDR, or undefined when it is one. */
export function cidrProblem(text: string): string | undefined {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!match) return 'expected a.b.c.d/n';
  if (!isIpv4(match[1])) return `"${match[1]}" is not an IPv4 address`;
  const prefix = Number(match[2]);
  if (prefix > 32) return `prefix length /${prefix} is above /32`;
  const size = 2 ** (32 - prefix);
  const address = ipToInt(match[1]);
  if (address % size !== 0) {
    return `host bits are set: the network address of a /${prefix} here is ${intToIp(address - (address % size))}`;
  }
  return undefined;
}

export function parseCidr(text: string): Cidr {
  const problem = cidrProblem(text);
  if (problem) throw new Error(`"${text}" is not a valid IPv4 CIDR: ${problem}`);
  const [ip, prefix] = text.split('/');
  const prefixLength = Number(prefix);
  return { text, network: ipToInt(ip), prefixLength, size: 2 ** (32 - prefixLength) };
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.network >= outer.network && inner.network + inner.size <= outer.network + outer.size;
}

export function cidrContainsIp(outer: Cidr, ip: string): boolean {
  const value = ipToInt(ip);
  return value >= outer.network && value < outer.network + outer.size;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.network < b.network + b.size && b.network < a.network + a.size;
}

/** Terraform's `cidrhost(prefix, n)`: the n-th address of the block (n may be negative, from the end). */
export function cidrHost(cidr: Cidr | string, n: number): string {
  const block = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const offset = n >= 0 ? n : block.size + n;
  if (offset < 0 || offset >= block.size) throw new Error(`host ${n} is outside ${block.text}`);
  return intToIp(block.network + offset);
}

/**
 * Whether an address is usable by a resource in an Azure subnet: Azure reserves the first four addresses
 * and the last one of every subnet.
 */
export function isAzureUsableHost(subnet: Cidr, ip: string): boolean {
  if (!cidrContainsIp(subnet, ip)) return false;
  const offset = ipToInt(ip) - subnet.network;
  return offset >= 4 && offset <= subnet.size - 2;
}
