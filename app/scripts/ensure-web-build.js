#!/usr/bin/env node
// Builds the web UI (app/web/dist) when it is missing or older than its sources, so `npm run app` and the
// browser test always serve the current UI without a separate build step. `--force` always rebuilds.
// Plain CommonJS with no dependencies: it runs before anything is compiled.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const appDir = join(__dirname, '..');
const webDir = join(appDir, 'web');
const builtIndex = join(webDir, 'dist', 'index.html');

/** Newest modification time (ms) under `path`, recursing into directories. */
function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

function reasonToBuild() {
  if (process.argv.includes('--force')) return 'forced';
  if (!existsSync(builtIndex)) return 'app/web/dist is missing';
  const sources = ['src', 'index.html', 'vite.config.mts'].map((p) => join(webDir, p)).filter(existsSync);
  const newest = Math.max(...sources.map(newestMtime));
  return newest > statSync(builtIndex).mtimeMs ? 'app/web sources changed since the last build' : null;
}

const reason = reasonToBuild();
if (reason) {
  console.error(`ensure-web-build: building the web UI (${reason})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '--silent', 'build:web'], { cwd: appDir, stdio: 'inherit' });
  if (result.error) throw result.error;
  process.exit(result.status ?? 1);
}
