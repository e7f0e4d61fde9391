export type Probe =
  | { type: 'dns'; name: string; server?: string; timeoutMs?: number }
  | { type: 'tcp'; host: string; port: number; localAddress?: string; timeoutMs?: number }
  | { type: 'http'; url: string; timeoutMs?: number; ca?: string; insecure?: boolean; headers?: Record<string, string> }
  | { type: 'exec'; argv: string[]; timeoutMs?: number };
export interface ProbeResult { ok: boolean; addresses?: string[]; error?: string; status?: number; body?: string; ms: number }
export function runProbes(probes: ReadonlyArray<Probe>): Promise<ProbeResult[]>;
