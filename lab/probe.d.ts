export type Probe =
  | { type: 'dns'; name: string; server?: string; timeoutMs?: number }
  | { type: 'tcp'; host: string; port: number; localAddress?: string; timeoutMs?: number }
  | { type: 'http'; url: string; timeoutMs?: number; headers?: Record<string, string> };
export interface ProbeResult { ok: boolean; addresses?: string[]; error?: string; status?: number; body?: string; ms: number }
export function runProbes(probes: ReadonlyArray<Probe>): Promise<ProbeResult[]>;
