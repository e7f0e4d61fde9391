#!/usr/bin/env node
// @ts-check
/**
 * Keeps one pull-request thread per environment current:
 *
 *   node pipelines/scripts/pr-comment.mjs --marker cdktf-plan:dev --file plan-dev.md
 *   node pipelines/scripts/pr-comment.mjs --marker cdktf-plan:dev --stale "<commit>"     (a later push's plan failed)
 *
 * The thread is found by a property the tool sets on it (`cdktf.planSummary` = marker), which no one can set or
 * copy from the web UI: a reviewer quoting the summary (its hidden `<!-- marker -->` included) in another thread
 * is never mistaken for it. Threads created before the property existed are found by a first comment that
 * starts with the marker (a quote starts with "> "). `--file` replaces the comment; `--stale` keeps the old
 * summary but puts a banner on top saying which later commit failed to plan, and reopens the thread. The thread
 * stays active (reviewers must resolve it under a "comments must be resolved" policy) when the text carries the
 * attention marker (destroy, replace, dangerous change, failed or stale plan); otherwise it is closed.
 *
 * Reads SYSTEM_ACCESSTOKEN (mapped explicitly in the step; the build service needs "Contribute to pull requests"),
 * SYSTEM_COLLECTIONURI, SYSTEM_TEAMPROJECTID, BUILD_REPOSITORY_ID and SYSTEM_PULLREQUEST_PULLREQUESTID.
 * REST: https://learn.microsoft.com/rest/api/azure/devops/git/pull-request-threads
 */
import { readFileSync } from 'node:fs';

const API = 'api-version=7.1';
const ATTENTION_MARKER = '<!-- plan-needs-attention -->';
const STALE_MARKER = '<!-- plan-stale -->';
const PROPERTY = 'cdktf.planSummary';
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
  /** @type {{ marker?: string, file?: string, stale?: string }} */
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--marker') args.marker = argv[i + 1];
    else if (argv[i] === '--file') args.file = argv[i + 1];
    else if (argv[i] === '--stale') args.stale = argv[i + 1];
    else throw new Error(`unknown option ${argv[i]} (allowed: --marker, --file, --stale)`);
  }
  if (!args.marker || (!args.file === !args.stale)) throw new Error('usage: pr-comment.mjs --marker <id> (--file <markdown> | --stale <commit>)');
  if (!/^[\w.:-]+$/.test(args.marker)) throw new Error(`--marker "${args.marker}" may only hold letters, digits and . : _ -`);
  return args;
}

/**
 * The tool's thread for this marker: by its property, else (older threads) by a first comment starting with it.
 * @param {any[]} threads
 * @param {string} marker
 */
export function findThread(threads, marker) {
  const live = threads.filter((t) => !t.isDeleted && Array.isArray(t.comments) && t.comments.length > 0);
  return live.find((t) => t.properties?.[PROPERTY]?.$value === marker)
    ?? live.find((t) => !t.properties?.[PROPERTY] && typeof t.comments[0].content === 'string' && t.comments[0].content.startsWith(`<!-- ${marker} -->`));
}

/**
 * The old summary with a stale banner in place of any earlier one, right under the hidden markers.
 * @param {string} content
 * @param {string} commit
 * @param {string} time
 */
export function markStale(content, commit, time) {
  const lines = content.split('\n').filter((l, i, all) => !l.startsWith(STALE_MARKER) && !(i > 0 && all[i - 1]?.startsWith(STALE_MARKER) && l === ''));
  const hidden = lines.findIndex((l) => !l.startsWith('<!--'));
  const banner = `${STALE_MARKER}\n> **Stale:** the plan for the later commit \`${commit.slice(0, 12)}\` (${time}) failed or was not made, so this summary does not describe the pull request as it is now. Fix the run and push again; do not approve on this summary.\n`;
  const head = lines.slice(0, hidden);
  if (!head.includes(ATTENTION_MARKER)) head.push(ATTENTION_MARKER);
  return [...head, banner, ...lines.slice(hidden)].join('\n');
}

/** @param {string[]} argv */
export async function main(argv) {
  const args = parseArgs(argv);
  const marker = /** @type {string} */ (args.marker);
  const tag = `<!-- ${marker} -->`;
  const token = env('SYSTEM_ACCESSTOKEN');
  const collection = env('SYSTEM_COLLECTIONURI').replace(/\/?$/, '/');
  const threads = `${collection}${encodeURIComponent(env('SYSTEM_TEAMPROJECTID'))}/_apis/git/repositories/${encodeURIComponent(env('BUILD_REPOSITORY_ID'))}/pullRequests/${encodeURIComponent(env('SYSTEM_PULLREQUEST_PULLREQUESTID'))}/threads`;
  const existing = (await call(`${threads}?${API}`, token, 'GET')).value ?? [];
  const mine = findThread(existing, marker);

  let content;
  if (args.stale) {
    const time = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    content = mine
      ? markStale(String(mine.comments[0].content), args.stale, time)
      : `${tag}\n${ATTENTION_MARKER}\n${STALE_MARKER}\n> **No plan:** the plan for commit \`${args.stale.slice(0, 12)}\` (${time}) failed or was not made. See the run.\n`;
  } else {
    content = readFileSync(/** @type {string} */ (args.file), 'utf8');
    if (!content.startsWith(tag)) content = `${tag}\n${content.split('\n').filter((l) => l !== tag).join('\n')}`;
  }
  const status = content.includes(ATTENTION_MARKER) ? STATUS.active : STATUS.closed;
  if (mine) {
    await call(`${threads}/${mine.id}/comments/${mine.comments[0].id}?${API}`, token, 'PATCH', { content });
    await call(`${threads}/${mine.id}?${API}`, token, 'PATCH', { status, properties: { [PROPERTY]: { $type: 'System.String', $value: marker } } });
    return `${args.stale ? 'marked stale' : 'updated'} thread ${mine.id}`;
  }
  const created = await call(`${threads}?${API}`, token, 'POST', {
    comments: [{ parentCommentId: 0, content, commentType: 1 }], status, properties: { [PROPERTY]: { $type: 'System.String', $value: marker } },
  });
  return `created thread ${created.id}`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\u0000')) {
  main(process.argv.slice(2)).then(
    (result) => console.log(`pr-comment: ${result}`),
    (error) => {
      console.error(`pr-comment: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
