import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { checkCapacity, ExpectedServer } from '../../churn/capacity';
import { ConfigProblem, problem, warning } from '../problems';
import type { EnvironmentConfig } from '../schema';

/** The replication capacity this stack declares: one process server (services.siteRecovery.processServer) and one StorageV2 cache account. */
export const DESIGN_CAPACITY = { processServers: 1, cacheAccounts: 1 } as const;

// Source runs from config/validate, compiled code from dist/config/validate: the root is where package.json is.
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** The part of the advisor's JSON the check reads (the document has more). */
const advisorJsonSchema = z.object({
  servers: z.array(z.object({
    name: z.string(),
    vmPeakMBps: z.number().nonnegative(),
    disks: z.array(z.object({ device: z.string(), avgMBps: z.number().nonnegative(), peakMBps: z.number().nonnegative(), avgWriteKB: z.number().positive().nullable() })),
  })).min(1),
});

function loadAdvisorJson(file: string, at: string): { servers?: ExpectedServer[]; problems: ConfigProblem[] } {
  const full = path.resolve(repoRoot(), file);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(full, 'utf8'));
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? 'not valid JSON';
    return { problems: [problem(at, `cannot read the churn advisor's JSON (${why}): write it with npm run churn -- --json <captures> > ${file}`, { value: file, allowed: 'a path relative to the repository root, or absolute' })] };
  }
  const parsed = advisorJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problems: [problem(at, `${file} is not the churn advisor's --json output: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { value: file })] };
  }
  return { servers: parsed.data.servers, problems: [] };
}

/**
 * The expected replication load against the design: peak per VM (54 MB/s), churn per day per process server
 * (2 TB) and the cache storage account (1,500 disks at 4 MB/s or 750 at 8 MB/s). Disks no replica disk type
 * takes are warnings (the disk type is chosen when replication is enabled, not in this stack).
 */
export function validateExpectedChurn(config: EnvironmentConfig): ConfigProblem[] {
  const churn = config.services.siteRecovery?.expectedChurn;
  if (!churn) return [];
  const base = 'services.siteRecovery.expectedChurn';
  let servers: ReadonlyArray<ExpectedServer>;
  if (churn.advisorJson !== undefined) {
    const loaded = loadAdvisorJson(churn.advisorJson, `${base}.advisorJson`);
    if (!loaded.servers) return loaded.problems;
    servers = loaded.servers;
  } else {
    servers = churn.servers ?? [];
  }
  const where = config.services.siteRecovery!.processServer;
  return checkCapacity(servers, { ...DESIGN_CAPACITY, processServersWhere: where }).map((f) => {
    const at = f.serverIndex !== undefined && churn.servers ? `${base}.servers.${f.serverIndex}` : base;
    const extra = { value: f.serverIndex !== undefined ? servers[f.serverIndex]!.name : undefined, allowed: f.limit };
    return f.severity === 'error' ? problem(at, f.message, extra) : warning(at, f.message, extra);
  });
}
