// Rules the container files must keep (they cannot be built here: no Docker engine). Each returns the
// problems found, so tests can feed both the real files and deliberately broken ones.

export interface DockerfileStage {
  from: string;
  name?: string;
  lines: string[];
}

/** Splits a Dockerfile into stages, resolving `ARG NAME=value` defaults used in FROM lines. */
export function parseDockerfile(text: string): DockerfileStage[] {
  const args = new Map<string, string>();
  const stages: DockerfileStage[] = [];
  // Join backslash continuations, drop comments and blank lines.
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'ARG' && stages.length === 0) {
      const [name, value] = rest.join(' ').split('=');
      if (name && value) args.set(name, value);
    } else if (upper === 'FROM') {
      const image = rest[0]!.replace(/\$\{(\w+)\}/g, (_, name: string) => args.get(name) ?? '');
      stages.push({ from: image, name: rest[1]?.toUpperCase() === 'AS' ? rest[2] : undefined, lines: [] });
    } else {
      stages.at(-1)?.lines.push(line);
    }
  }
  return stages;
}

export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = parseDockerfile(text);
  if (stages.length < 2) problems.push(`not multi-stage: ${stages.length} FROM`);
  const stageNames = new Set(stages.map((s) => s.name));
  for (const { from } of stages) {
    if (stageNames.has(from)) continue; // FROM <earlier stage>
    const tag = from.includes(':') ? from.split(':').at(-1)! : '';
    if (!tag || tag === 'latest') problems.push(`base image "${from}" is not pinned to a version tag`);
  }
  const final = stages.at(-1);
  const user = final?.lines.filter((l) => /^USER\s/i.test(l)).at(-1)?.split(/\s+/)[1];
  const inheritsNonRoot = !!final && /nginx-unprivileged/.test(final.from);
  if (!inheritsNonRoot && (!user || user === 'root' || user === '0')) problems.push('final stage runs as root (no USER)');
  if (!final?.lines.some((l) => /^HEALTHCHECK\s+(--\S+\s+)*CMD/i.test(l))) problems.push('final stage has no HEALTHCHECK');
  if (final?.lines.some((l) => /^ENTRYPOINT\s+\[?"?npm/i.test(l) || /^CMD\s+\[?"?npm/i.test(l))) problems.push('runs through npm (signals, writable cache)');
  return problems;
}

type ComposeService = Record<string, unknown> & { ports?: string[]; volumes?: string[]; read_only?: boolean; healthcheck?: unknown; environment?: Record<string, string> };

export function composeProblems(compose: { services?: Record<string, ComposeService> }): string[] {
  const problems: string[] = [];
  const services = compose.services ?? {};
  const publishes = (name: string, port: number) => (services[name]?.ports ?? []).some((p) => String(p).endsWith(`:${port}:${port}`));
  if (!publishes('api', 8000)) problems.push('api does not publish port 8000');
  if (!publishes('web', 8080)) problems.push('web does not publish port 8080');
  const postgres = Object.entries(services).find(([, s]) => typeof s.image === 'string' && s.image.startsWith('postgres:'));
  if (!postgres) problems.push('no PostgreSQL service');
  else {
    if (!postgres[1].healthcheck) problems.push(`${postgres[0]} has no healthcheck`);
    if (!(postgres[1].volumes ?? []).some((v) => /^\w+:\/var\/lib\/postgresql\/data/.test(v))) problems.push(`${postgres[0]} keeps its data outside a named volume`);
  }
  for (const [name, service] of Object.entries(services)) {
    if (service.read_only !== true) problems.push(`${name} has a writable root filesystem`);
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      if (/PASSWORD|TOKEN|SECRET/.test(key) && value && !/^\$\{/.test(value)) problems.push(`${name}.${key} is a literal secret`);
      if (key === 'DATABASE_URL' && /:\/\/[^:]+:(?!\$\{)[^@]+@/.test(value)) problems.push(`${name}.DATABASE_URL embeds a literal password`);
    }
  }
  for (const name of ['api', 'worker']) {
    if (!(services[name]?.volumes ?? []).some((v) => /:\/app\/config\/settings\.yaml(:ro)?$/.test(v))) problems.push(`${name} does not mount settings at /app/config/settings.yaml`);
    if (!services[name]?.environment?.DATABASE_URL) problems.push(`${name} has no DATABASE_URL`);
  }
  return problems;
}
