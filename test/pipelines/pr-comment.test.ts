import { execFile } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { REPO } from './support';

/**
 * pipelines/scripts/pr-comment.mjs against a local stand-in for the Azure DevOps pull-request threads REST API:
 * the first run creates a thread, later runs update that thread's comment (found by its marker) in place.
 */

const run = promisify(execFile);
const SCRIPT = path.join(REPO, 'pipelines/scripts/pr-comment.mjs');
const TOKEN = 'fake-system-access-token';

interface Request { method: string; url: string; auth: string | undefined; body: unknown }

let server: http.Server;
let requests: Request[];
let threads: Array<{ id: number; isDeleted?: boolean; status: number; properties?: Record<string, { $type: string; $value: string }>; comments: Array<{ id: number; content: string }> }>;
let base: string;
let dir: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const body = data ? JSON.parse(data) : undefined;
      requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const prefix = '/org/project-guid/_apis/git/repositories/repo-guid/pullRequests/42/threads';
      const url = new URL(req.url!, 'http://x');
      if (url.searchParams.get('api-version') !== '7.1' || !url.pathname.startsWith(prefix)) {
        res.writeHead(404).end('{"message":"not found"}');
        return;
      }
      const rest = url.pathname.slice(prefix.length);
      if (req.method === 'GET' && rest === '') return void res.end(JSON.stringify({ count: threads.length, value: threads }));
      if (req.method === 'POST' && rest === '') {
        const thread = { id: 100 + threads.length, status: body.status, properties: body.properties, comments: [{ id: 1, content: body.comments[0].content }] };
        threads.push(thread);
        return void res.end(JSON.stringify(thread));
      }
      const comment = /^\/(\d+)\/comments\/(\d+)$/.exec(rest);
      if (req.method === 'PATCH' && comment) {
        threads.find((t) => t.id === Number(comment[1]))!.comments[0]!.content = body.content;
        return void res.end('{}');
      }
      const thread = /^\/(\d+)$/.exec(rest);
      if (req.method === 'PATCH' && thread) {
        const t = threads.find((x) => x.id === Number(thread[1]))!;
        t.status = body.status;
        if (body.properties) t.properties = { ...t.properties, ...body.properties };
        return void res.end('{}');
      }
      res.writeHead(400).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/org/`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pr-comment-'));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests = [];
  threads = [{ id: 7, status: 1, comments: [{ id: 1, content: 'a human review comment' }] }];
});

async function comment(markdown: string, env: Record<string, string> = {}, args?: string[]) {
  const file = path.join(dir, 'summary.md');
  fs.writeFileSync(file, markdown);
  return run('node', [SCRIPT, '--marker', 'cdktf-plan:dev', ...(args ?? ['--file', file])], {
    env: {
      PATH: process.env.PATH!, SYSTEM_ACCESSTOKEN: TOKEN, SYSTEM_COLLECTIONURI: base, SYSTEM_TEAMPROJECTID: 'project-guid',
      BUILD_REPOSITORY_ID: 'repo-guid', SYSTEM_PULLREQUEST_PULLREQUESTID: '42', ...env,
    },
  });
}

test('creates one thread, closed when nothing needs attention, with the bearer token', async () => {
  const { stdout } = await comment('<!-- cdktf-plan:dev -->\n### Plan: dev\nno changes\n');
  expect(stdout).toMatch(/created thread 101/);
  expect(requests.map((r) => r.method)).toEqual(['GET', 'POST']);
  expect(requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
  expect(requests[1]!.body).toEqual({
    comments: [{ parentCommentId: 0, content: '<!-- cdktf-plan:dev -->\n### Plan: dev\nno changes\n', commentType: 1 }], status: 4,
    properties: { 'cdktf.planSummary': { $type: 'System.String', $value: 'cdktf-plan:dev' } },
  });
});

test('updates its own thread in place on the next push (no second thread), and reopens it when something is destroyed', async () => {
  await comment('<!-- cdktf-plan:dev -->\nfirst\n');
  requests = [];
  const { stdout } = await comment('<!-- cdktf-plan:dev -->\n<!-- plan-needs-attention -->\nsecond\n');
  expect(stdout).toMatch(/updated thread 101/);
  expect(requests.map((r) => `${r.method} ${new URL(r.url, 'http://x').pathname.split('/threads')[1]}`)).toEqual(['GET ', 'PATCH /101/comments/1', 'PATCH /101']);
  expect(threads).toHaveLength(2);
  expect(threads[1]!.comments[0]!.content).toContain('second');
  expect(threads[1]!.status).toBe(1);
  expect(threads[0]!.comments[0]!.content).toBe('a human review comment');
});

test('adds the marker when the file lacks it, so the next run still finds the thread', async () => {
  await comment('### Plan without marker\n');
  expect(threads[1]!.comments[0]!.content.startsWith('<!-- cdktf-plan:dev -->\n')).toBe(true);
});

test('fails with a clear message (and no token in it) when the API refuses', async () => {
  let error: { stderr: string; code: number } | undefined;
  try {
    await comment('x', { SYSTEM_TEAMPROJECTID: 'other-project' });
  } catch (e) {
    error = e as { stderr: string; code: number };
  }
  expect(error?.code).toBe(1);
  expect(error?.stderr).toMatch(/GET .*\/threads -> HTTP 404/);
  expect(error?.stderr).not.toContain(TOKEN);
});

test('refuses to run outside a pull-request build', async () => {
  await expect(comment('x', { SYSTEM_PULLREQUEST_PULLREQUESTID: '' })).rejects.toMatchObject({ stderr: expect.stringMatching(/SYSTEM_PULLREQUEST_PULLREQUESTID is not set/) });
});

describe('the thread is the tool\'s own: a human quoting or copying the summary never redirects the update', () => {
  const summary = '<!-- cdktf-plan:dev -->\n### Plan: dev\ncommit `abc`\n';
  test('a quote of the summary in a human thread is left alone; the tool creates its own thread', async () => {
    threads.push({ id: 8, status: 1, comments: [{ id: 1, content: `> ${summary.split('\n').join('\n> ')}\nWhy is this replaced?` }] });
    const { stdout } = await comment(summary);
    expect(stdout).toMatch(/created thread 102/);
    expect(threads[1]!.comments[0]!.content).toMatch(/^> <!-- cdktf-plan:dev -->/);
  });

  test('a human copy that starts with the marker loses to the thread carrying the tool\'s property', async () => {
    threads.push({ id: 8, status: 1, comments: [{ id: 1, content: `${summary}(copied by a reviewer)` }] });
    threads.push({ id: 9, status: 4, properties: { 'cdktf.planSummary': { $type: 'System.String', $value: 'cdktf-plan:dev' } }, comments: [{ id: 1, content: summary }] });
    const { stdout } = await comment(`${summary}second push\n`);
    expect(stdout).toMatch(/updated thread 9/);
    expect(threads[1]!.comments[0]!.content).toContain('(copied by a reviewer)');
    expect(threads[2]!.comments[0]!.content).toContain('second push');
  });

  test('threads from before the property are still found by a first comment that starts with the marker', async () => {
    threads.push({ id: 8, status: 4, comments: [{ id: 1, content: summary }] });
    const { stdout } = await comment(`${summary}again\n`);
    expect(stdout).toMatch(/updated thread 8/);
    expect(threads[1]!.properties).toEqual({ 'cdktf.planSummary': { $type: 'System.String', $value: 'cdktf-plan:dev' } });
  });
});

describe('a later push whose plan fails marks the summary stale', () => {
  const summary = '<!-- cdktf-plan:dev -->\n### Plan: dev\n\nVerdict: **No changes**: nothing to apply\n\ncommit `111111111111`\n';
  test('the old summary stays, under a banner naming the failed commit; the thread is reopened', async () => {
    await comment(summary);
    const { stdout } = await comment('', {}, ['--stale', '2222222222222222']);
    expect(stdout).toMatch(/marked stale thread 101/);
    const content = threads[1]!.comments[0]!.content;
    expect(content.startsWith('<!-- cdktf-plan:dev -->\n<!-- plan-needs-attention -->\n<!-- plan-stale -->\n> **Stale:** the plan for the later commit `222222222222`')).toBe(true);
    expect(content).toContain('commit `111111111111`');
    expect(threads[1]!.status).toBe(1);
    // A second failed push replaces the banner instead of stacking another.
    await comment('', {}, ['--stale', '3333333333333333']);
    expect(threads[1]!.comments[0]!.content.match(/plan-stale/g)).toHaveLength(1);
    expect(threads[1]!.comments[0]!.content).toContain('`333333333333`');
    // The next good push replaces the whole comment: no banner left.
    await comment(summary);
    expect(threads[1]!.comments[0]!.content).toBe(summary);
    expect(threads[1]!.status).toBe(4);
  });

  test('without an earlier summary it posts an active "no plan" thread', async () => {
    await comment('', {}, ['--stale', '4444444444444444']);
    expect(threads[1]!.comments[0]!.content).toMatch(/^<!-- cdktf-plan:dev -->\n<!-- plan-needs-attention -->\n<!-- plan-stale -->\n> \*\*No plan:\*\* the plan for commit `444444444444`/);
    expect(threads[1]!.status).toBe(1);
  });
});
