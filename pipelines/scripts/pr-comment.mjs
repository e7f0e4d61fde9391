#!/usr/bin/env node
// @ts-check
/**
 * Posts a markdown file to the current Azure DevOps pull request as a thread, or updates the thread this script
 * posted before (found by its hidden `<!-- marker -->`), so every push refreshes one comment per environment
 * instead of adding another. The thread stays active (reviewers must resolve it under a "comments must be
 * resolved" policy) when the summary carries the attention marker (destroy, replace or a failed plan); otherwise
 * it is closed.
 *
 *   node pipelines/scripts/pr-comment.mjs --marker cdktf-plan:dev --file plan-dev.md
 *
 * Reads SYSTEM_ACCESSTOKEN (mapped explicitly in the step; the build service needs "Contribute to pull requests"),
 * SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECTID, BUILD_REPOSITORY_ID and SYSTEM_PULLREQUEST_PULLREQUESTID.
 * REST: https://learn.microsoft.com/rest/api/azure/devops/git/pull-request-threads
 */
import { readFileSync } from 'node:fs';

const API = 'api-version=7.1';
const ATTENTION_MARKER = '<!-- plan-needs-attention -->';
const STATUS = { active: 1, closed: 4 };

/** @param {string} name */
function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run in an Azure DevOps pull-request build; map SYSTEM_ACCESSTOKEN in the step env)`);
  return value;
}

/**
 * @param {string} url
 * @param {string} token
 * @param {string} method
 * @param {unknown} [body]
 */
async function call(url, token, method, body) {
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    const hint = response.status === 403 ? ' (grant the project build service "Contribute to pull requests" on the repository)' : '';
    throw new Error(`${method} ${url.split('?')[0]} -> HTTP ${response.status}${hint}: ${text.slice(0, 300)}`);
  }
  return text ? JSON.parse(text) : {};
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ marker?: string, file?: string }} */
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--marker') args.marker = argv[i + 1];
    else if (argv[i] === '--file') args.file = argv[i + 1];
    else throw new Error(`unknown option ${argv[i]} (allowed: --marker, --file)`);
  }
  if (!args.marker || !args.file) throw new Error('usage: pr-comment.mjs --marker <id> --file <markdown>');
  return /** @type {{ marker: string, file: string }} */ (args);
}

/** @param {string[]} argv */
export async function main(argv) {
  const { marker, file } = parseArgs(argv);
  const tag = `<!-- ${marker} -->`;
  let content = readFileSync(file, 'utf8');
  if (!content.includes(tag)) content = `${tag}\n${content}`;
  const status = content.includes(ATTENTION_MARKER) ? STATUS.active : STATUS.closed;

  const token = env('SYSTEM_ACCESSTOKEN');
  const collection = env('SYSTEM_COLLECTIONURI').replace(/\/?$/, '/');
  const threads = `${collection}${encodeURIComponent(env('SYSTEM_TEAMPROJECTID'))}/_apis/git/repositories/${encodeURIComponent(env('BUILD_REPOSITORY_ID'))}/pullRequests/${encodeURIComponent(env('SYSTEM_PULLREQUEST_PULLREQUESTID'))}/threads`;

  const existing = (await call(`${threads}?${API}`, token, 'GET')).value ?? [];
  const mine = existing.find((/** @type {any} */ t) => !t.isDeleted && typeof t.comments?.[0]?.content === 'string' && t.comments[0].content.includes(tag));
  if (mine) {
    await call(`${threads}/${mine.id}/comments/${mine.comments[0].id}?${API}`, token, 'PATCH', { content });
    await call(`${threads}/${mine.id}?${API}`, token, 'PATCH', { status });
    return `updated thread ${mine.id}`;
  }
  const created = await call(`${threads}?${API}`, token, 'POST', { comments: [{ parentCommentId: 0, content, commentType: 1 }], status });
  return `created thread ${created.id}`;
}

main(process.argv.slice(2)).then(
  (result) => console.log(`pr-comment: ${result}`),
  (error) => {
    console.error(`pr-comment: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
