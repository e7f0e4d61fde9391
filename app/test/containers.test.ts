// The Dockerfiles and docker-compose.yml cannot be built here (no Docker engine), so their contract is
// checked by reading them: ports, settings mount, PostgreSQL health, non-root, pinned bases, healthchecks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { composeProblems, dockerfileProblems } from './support/container-rules';

const ROOT = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('Dockerfiles', () => {
  test.each(['app/Dockerfile', 'app/web/Dockerfile'])('%s: multi-stage, pinned, non-root, healthcheck', (path) => {
    expect(dockerfileProblems(read(path))).toEqual([]);
  });

  test('a single-stage, unpinned, root Dockerfile without healthcheck is rejected', () => {
    expect(dockerfileProblems('FROM node\nCOPY . .\nCMD ["npm", "start"]\n')).toEqual([
      'not multi-stage: 1 FROM',
      'base image "node" is not pinned to a version tag',
      'final stage runs as root (no USER)',
      'final stage has no HEALTHCHECK',
      'runs through npm (signals, writable cache)',
    ]);
    expect(dockerfileProblems('FROM node:latest AS b\nRUN true\nFROM b\nUSER root\nHEALTHCHECK CMD true\n')).toEqual([
      'base image "node:latest" is not pinned to a version tag',
      'final stage runs as root (no USER)',
    ]);
  });

  test('the API image serves the settings path and port the chart and compose use', () => {
    const text = read('app/Dockerfile');
    expect(text).toMatch(/CASE_ASSIGNER_SETTINGS=\/app\/config\/settings\.yaml/);
    // 8000: API and dashboard; 9464: probes and metrics (a separate listener, not routed by the ingress).
    expect(text).toMatch(/^EXPOSE 8000 9464$/m);
    expect(read('app/web/Dockerfile')).toMatch(/^EXPOSE 8080$/m);
  });
});

describe('docker-compose.yml', () => {
  test('API on 8000, web on 8080, PostgreSQL with healthcheck and volume, settings mounted, no literal secrets', () => {
    expect(composeProblems(parse(read('docker-compose.yml'), { merge: true }))).toEqual([]);
  });

  test('a compose file missing those is rejected with every problem named', () => {
    const bad = {
      services: {
        api: { ports: ['3000:3000'], environment: { DATABASE_URL: 'postgres://u:hunter2@db/x', API_TOKEN: 'abc' } },
        db: { image: 'postgres:15', volumes: ['./data:/var/lib/postgresql/data'], read_only: true },
      },
    };
    expect(composeProblems(bad)).toEqual([
      'api does not publish port 8000',
      'web does not publish port 8080',
      'db has no healthcheck',
      'db keeps its data outside a named volume',
      'api has a writable root filesystem',
      'api.DATABASE_URL embeds a literal password',
      'api.API_TOKEN is a literal secret',
      'api does not mount settings at /app/config/settings.yaml',
      'worker does not mount settings at /app/config/settings.yaml',
      'worker has no DATABASE_URL',
    ]);
  });
});

test('nginx proxies exactly the API paths the Vite dev server proxies', () => {
  const vitePaths = [...read('app/web/vite.config.mts').matchAll(/'\/(\w+)'/g)].map((m) => m[1]).sort();
  const nginxPaths = /location ~ \^\/\(([\w|]+)\)/.exec(read('app/web/nginx.conf'))?.[1]?.split('|').sort();
  expect(vitePaths.length).toBeGreaterThan(0);
  expect(nginxPaths).toEqual(vitePaths);
  // Probes and /metrics are on the operations listener; through the API port they 404 (api.test.ts): not proxied.
  for (const ops of ['healthz', 'readyz', 'metrics']) expect(vitePaths).not.toContain(ops);
});
