// dist/index.js on pull_request events against the GitHub REST API stand-in: one comment per target, updated in
// place, only our own, and never a failed run because GitHub said no.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommentMetadata } from '../src/report/comment.js';
import { GITHUB_ACTIONS_BOT, GitHubApiStandIn } from './support/github-api.js';
import { fixtureWorkspace, runPipeline, sharedToolCache } from './support/pipeline.js';
import { startReleaseMirror, type ReleaseMirror } from './support/release-mirror.js';

const OWNER = 'wildside';
const REPO = 'infra';
let mirror: ReleaseMirror;
let github: GitHubApiStandIn;
let toolCache: string;
let token: string;
let pr = 100;

beforeAll(async () => {
  [mirror, github] = await Promise.all([startReleaseMirror(), GitHubApiStandIn.start()]);
  toolCache = sharedToolCache();
  token = github.installationToken();
});
afterAll(() => Promise.all([mirror?.close(), github?.close()]));
beforeEach(() => {
  pr += 1;
});

function planOnPullRequest(number: number, options: { head?: string; target?: string; token?: string } = {}) {
  const head = options.head ?? 'a'.repeat(40);
  return runPipeline({
    mirror,
    toolCache,
    workspace: fixtureWorkspace('changes'),
    eventName: 'pull_request',
    ref: `refs/pull/${number}/merge`,
    event: { pull_request: { number, head: { sha: head, repo: { full_name: `${OWNER}/${REPO}` } } } },
    inputs: {
      comment: 'true',
      'github-token': options.token ?? token,
      ...(options.target ? { target: options.target } : {}),
    },
    env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
  });
}

const ours = (number: number) =>
  github.comments(OWNER, REPO, number).filter((c) => c.user.login === GITHUB_ACTIONS_BOT.login);

describe('the plan comment', () => {
  it('is created by the first run and updated in place by the next push', async () => {
    const first = await planOnPullRequest(pr, { head: '1'.repeat(40) });
    expect(first.code).toBe(0);
    const [created] = ours(pr);
    expect(created).toBeDefined();
    expect(first.outputs['comment-url']).toMatch(new RegExp(`/pull/${pr}#issuecomment-${created!.id}$`));
    expect(parseCommentMetadata(created!.body)).toMatchObject({
      version: 1,
      target: 'config@127.0.0.1:6443',
      headSha: '1'.repeat(40),
    });
    expect(created!.body).toMatch(/2 to add, 0 to change, 0 to destroy/);

    const second = await planOnPullRequest(pr, { head: '2'.repeat(40) });
    expect(second.code).toBe(0);
    const after = ours(pr);
    expect(after.map((c) => c.id)).toEqual([created!.id]);
    expect(parseCommentMetadata(after[0]!.body)?.headSha).toBe('2'.repeat(40));
    expect(second.outputs['comment-url']).toBe(first.outputs['comment-url']);
  });

  it('keeps one comment per target', async () => {
    await planOnPullRequest(pr, { target: 'clusters/dev' });
    await planOnPullRequest(pr, { target: 'clusters/prod' });
    await planOnPullRequest(pr, { target: 'clusters/dev' });
    const targets = ours(pr).map((c) => parseCommentMetadata(c.body)?.target);
    expect(targets.sort()).toEqual(['clusters/dev', 'clusters/prod']);
  });

  it("leaves another user's comment with the same marker alone", async () => {
    const forged = `<!-- flux-bootstrap:{"version":1,"target":"clusters/dev","headSha":"x","planHash":null} -->\nforged`;
    const theirs = github.seedComment(OWNER, REPO, pr, forged, 'mallory');
    const run = await planOnPullRequest(pr, { target: 'clusters/dev' });
    expect(run.code).toBe(0);
    const all = github.comments(OWNER, REPO, pr);
    expect(all.find((c) => c.id === theirs.id)?.body).toBe(forged);
    expect(ours(pr)).toHaveLength(1);
  });

  it('finds ours among 100+ comments on later pages', async () => {
    for (let i = 0; i < 60; i++) github.seedComment(OWNER, REPO, pr, `chatter ${i}`, 'someone');
    await planOnPullRequest(pr, { target: 'paged' });
    const [mine] = ours(pr);
    for (let i = 60; i < 130; i++) github.seedComment(OWNER, REPO, pr, `chatter ${i}`, 'someone');
    const run = await planOnPullRequest(pr, { target: 'paged' });
    expect(run.code).toBe(0);
    expect(ours(pr).map((c) => c.id)).toEqual([mine!.id]);
    const lists = github.requestsTo('list-comments').filter((r) => r.path.includes(`/issues/${pr}/`));
    expect(lists.some((r) => Number(r.query.page ?? '1') >= 2)).toBe(true);
  });

  it('retries a 500 and then posts', async () => {
    github.failNext('create-comment', 500, { times: 1 });
    const before = github.requestsTo('create-comment').length;
    const run = await planOnPullRequest(pr);
    expect(run.code).toBe(0);
    expect(github.requestsTo('create-comment').length - before).toBe(2);
    expect(ours(pr)).toHaveLength(1);
    expect(run.outputs['comment-url']).not.toBe('');
  });
});

describe('when GitHub says no', () => {
  it('a read-only (fork) token: the run succeeds, warns why, and comment-url is empty', async () => {
    const run = await planOnPullRequest(pr, { token: github.installationToken({ readOnly: true }) });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::No PR comment: .*403/);
    expect(run.outputs['comment-url']).toBe('');
    expect(run.outputs['plan-exitcode']).toBe('2');
    expect(run.summary).toMatch(/2 to add/);
    expect(github.comments(OWNER, REPO, pr)).toEqual([]);
  });

  it('an outage: the run succeeds with a warning after the retries', async () => {
    github.failNext('get-user', 503, { times: 10 });
    github.failNext('list-comments', 503, { times: 10 });
    const run = await planOnPullRequest(pr);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/::warning::No PR comment: /);
    expect(run.outputs['comment-url']).toBe('');
  });

  it('no comment and no warning on push events, where the job summary carries the report', async () => {
    const before = github.requests.length;
    const run = await runPipeline({
      mirror,
      toolCache,
      workspace: fixtureWorkspace('changes'),
      eventName: 'push',
      ref: 'refs/heads/feature',
      inputs: { comment: 'true', 'github-token': token },
      env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
    });
    expect(run.code).toBe(0);
    expect(github.requests.length).toBe(before);
    expect(run.outputs['comment-url']).toBe('');
    expect(run.summary).toMatch(/2 to add, 0 to change, 0 to destroy/);
  });
});
