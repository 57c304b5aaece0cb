// The GitHub edge of the PR comment against the GitHub REST API stand-in (a real HTTP server on 127.0.0.1): one
// comment per target found by its marker, only our own comments touched, races, pagination, retries, refusals.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataMarker, parseCommentMetadata, type CommentMetadata } from '../src/report/comment.js';
import {
  GitHubCommentError,
  findMergedPullRequest,
  findPlanComment,
  updateCommentStatus,
  upsertPlanComment,
} from '../src/report/github.js';
import { GitHubApiStandIn, type Identity } from './support/github-api.js';

const owner = 'wildside';
const repo = 'platform';
const issueNumber = 42;
let api: GitHubApiStandIn;

beforeEach(async () => {
  api = await GitHubApiStandIn.start();
});
afterEach(async () => {
  await api.close();
});

function body(target: string, text: string, headSha = 'a'.repeat(40)): string {
  const metadata: CommentMetadata = { version: 1, target, headSha, planHash: 'h'.repeat(64), status: 'planned' };
  return `${metadataMarker(metadata)}\n\n${text}\n`;
}

function args(token: string, target = 'modules/root') {
  return { token, apiUrl: api.url, owner, repo, issueNumber, target, retryBaseMs: 1 };
}

async function rejection(promise: Promise<unknown>): Promise<GitHubCommentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitHubCommentError);
  return error as GitHubCommentError;
}

const bodies = (): string[] => api.comments(owner, repo, issueNumber).map((c) => c.body);

describe('upsertPlanComment', () => {
  it('creates the comment on the first run and updates the same comment on the next', async () => {
    const token = api.userToken('ci-user');
    const first = await upsertPlanComment({ ...args(token), body: body('modules/root', 'first plan') });
    expect(first.created).toBe(true);
    expect(first.url).toBe(`${api.htmlBase}/${owner}/${repo}/pull/${issueNumber}#issuecomment-${first.id}`);
    const second = await upsertPlanComment({
      ...args(token),
      body: body('modules/root', 'second plan', 'b'.repeat(40)),
    });
    expect(second).toEqual({ id: first.id, url: first.url, created: false });
    expect(bodies()).toEqual([body('modules/root', 'second plan', 'b'.repeat(40))]);
    expect(api.requestsTo('create-comment')).toHaveLength(1);
    const patch = api.requestsTo('update-comment');
    expect(patch.map((r) => r.path)).toEqual([`/repos/${owner}/${repo}/issues/comments/${first.id}`]);
    expect(api.requests.every((r) => r.token === token)).toBe(true);
  });

  it('does not write when the body is unchanged (a re-run of the same commit)', async () => {
    const token = api.userToken('ci-user');
    const text = body('modules/root', 'same plan');
    await upsertPlanComment({ ...args(token), body: text });
    const again = await upsertPlanComment({ ...args(token), body: text });
    expect(again.created).toBe(false);
    expect(api.requestsTo('update-comment')).toHaveLength(0);
  });

  it('keeps one comment per target', async () => {
    const token = api.userToken('ci-user');
    const prod = await upsertPlanComment({
      ...args(token, 'modules/root@prod'),
      body: body('modules/root@prod', 'prod 1'),
    });
    const dev = await upsertPlanComment({
      ...args(token, 'modules/root@dev'),
      body: body('modules/root@dev', 'dev 1'),
    });
    expect(dev.id).not.toBe(prod.id);
    const prod2 = await upsertPlanComment({
      ...args(token, 'modules/root@prod'),
      body: body('modules/root@prod', 'prod 2'),
    });
    expect(prod2.id).toBe(prod.id);
    expect(bodies()).toEqual([body('modules/root@prod', 'prod 2'), body('modules/root@dev', 'dev 1')]);
  });

  it('leaves alone a comment with the same marker written by someone else', async () => {
    const spoof = api.seedComment(owner, repo, issueNumber, body('modules/root', 'planted by mallory'), 'mallory');
    const token = api.userToken('ci-user');
    const result = await upsertPlanComment({ ...args(token), body: body('modules/root', 'real plan') });
    expect(result.created).toBe(true);
    expect(result.id).not.toBe(spoof.id);
    expect(bodies()).toEqual([body('modules/root', 'planted by mallory'), body('modules/root', 'real plan')]);
    const touched = api.requests.filter((r) => r.path.endsWith(`/comments/${spoof.id}`));
    expect(touched).toEqual([]);
  });

  it('finds our comment among 250 others across pages of 100 (Link headers)', async () => {
    for (let i = 0; i < 180; i++) api.seedComment(owner, repo, issueNumber, `chatter ${i}`, `reviewer-${i % 7}`);
    const token = api.userToken('ci-user');
    const ours = api.seedComment(owner, repo, issueNumber, body('modules/root', 'old plan'), {
      login: 'ci-user',
      id: 1,
      type: 'User',
    });
    for (let i = 0; i < 70; i++) api.seedComment(owner, repo, issueNumber, `more ${i}`, 'reviewer');
    const result = await upsertPlanComment({ ...args(token), body: body('modules/root', 'new plan') });
    expect(result).toMatchObject({ id: ours.id, created: false });
    const pages = api.requestsTo('list-comments').map((r) => r.query.page ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    expect(api.requestsTo('list-comments').every((r) => r.query.per_page === '100')).toBe(true);
    expect(api.requestsTo('create-comment')).toHaveLength(0);
  });

  it('with the workflow token (GET /user refused) treats github-actions[bot] comments as ours', async () => {
    const token = api.installationToken();
    const first = await upsertPlanComment({ ...args(token), body: body('modules/root', 'one') });
    const second = await upsertPlanComment({ ...args(token), body: body('modules/root', 'two') });
    expect(second).toMatchObject({ id: first.id, created: false });
    expect(api.requestsTo('get-user').map((r) => r.status)).toEqual([403, 403]);
    expect(api.comments(owner, repo, issueNumber).map((c) => c.user.login)).toEqual(['github-actions[bot]']);
  });

  it('with another app’s token still ends with one comment, and updates in place once told its bot login', async () => {
    const app: Identity = { login: 'flux-deployer[bot]', id: 77, type: 'Bot', installation: true };
    const token = api.addToken('ghs_other-app', app);
    const first = await upsertPlanComment({ ...args(token), body: body('modules/root', 'one') });
    // Assumed github-actions[bot]: not found, created again, then the duplicate clean-up keeps the first.
    const second = await upsertPlanComment({ ...args(token), body: body('modules/root', 'two') });
    expect(second).toMatchObject({ id: first.id, created: false });
    expect(bodies()).toEqual([body('modules/root', 'two')]);
    const third = await upsertPlanComment({
      ...args(token),
      authorLogin: app.login,
      body: body('modules/root', 'three'),
    });
    expect(third).toMatchObject({ id: first.id, created: false });
    expect(api.requestsTo('create-comment')).toHaveLength(2);
    expect(bodies()).toEqual([body('modules/root', 'three')]);
  });

  it('leaves one comment when two runs race (both list before either creates)', async () => {
    const token = api.userToken('ci-user');
    api.holdUntil('list-comments', 2);
    const [a, b] = await Promise.all([
      upsertPlanComment({ ...args(token), body: body('modules/root', 'run A') }),
      upsertPlanComment({ ...args(token), body: body('modules/root', 'run B') }),
    ]);
    expect(api.requestsTo('create-comment')).toHaveLength(2);
    const left = api.comments(owner, repo, issueNumber);
    expect(left).toHaveLength(1);
    expect(a.id).toBe(left[0]!.id);
    expect(b.id).toBe(left[0]!.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect([body('modules/root', 'run A'), body('modules/root', 'run B')]).toContain(left[0]!.body);
    expect(api.requestsTo('delete-comment').length).toBeGreaterThanOrEqual(1);
  });

  it('cleans up duplicates an earlier race left, keeping the oldest', async () => {
    const me: Identity = { login: 'ci-user', id: 1, type: 'User' };
    const oldest = api.seedComment(owner, repo, issueNumber, body('modules/root', 'dup 1'), me);
    api.seedComment(owner, repo, issueNumber, body('modules/root', 'dup 2'), me);
    api.seedComment(owner, repo, issueNumber, body('modules/other', 'other target'), me);
    const result = await upsertPlanComment({ ...args(api.userToken('ci-user')), body: body('modules/root', 'now') });
    expect(result).toMatchObject({ id: oldest.id, created: false });
    expect(bodies()).toEqual([body('modules/root', 'now'), body('modules/other', 'other target')]);
  });
});

describe('upsertPlanComment failures become GitHubCommentError (a warning for the run, never a failure)', () => {
  it('fork: a read-only token gets 403 on create, once (not retried)', async () => {
    const error = await rejection(
      upsertPlanComment({ ...args(api.installationToken({ readOnly: true })), body: body('modules/root', 'x') }),
    );
    expect(error.kind).toBe('forbidden');
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/Resource not accessible by integration.*forks get a read-only token/);
    expect(api.requestsTo('create-comment')).toHaveLength(1);
  });

  it('no token: refused before any request', async () => {
    const error = await rejection(upsertPlanComment({ ...args(''), body: body('modules/root', 'x') }));
    expect(error.kind).toBe('no-token');
    expect(error.message).toContain('github-token');
    expect(api.requests).toEqual([]);
  });

  it('a bad token: 401, said as such', async () => {
    const error = await rejection(upsertPlanComment({ ...args('not-a-token'), body: body('modules/root', 'x') }));
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(error.message).toContain('Bad credentials');
    expect(error.message).not.toContain('not-a-token');
  });

  it('500 then 200: retried, and the comment is posted', async () => {
    api.failNext('create-comment', 500);
    const result = await upsertPlanComment({ ...args(api.userToken('ci-user')), body: body('modules/root', 'x') });
    expect(result.created).toBe(true);
    expect(api.requestsTo('create-comment').map((r) => r.status)).toEqual([500, 201]);
    expect(bodies()).toHaveLength(1);
  });

  it('an outage (502 on every try): retried with back-off, then unavailable', async () => {
    api.failNext('list-comments', 502, { times: 10 });
    const error = await rejection(
      upsertPlanComment({ ...args(api.userToken('ci-user')), retries: 2, body: body('modules/root', 'x') }),
    );
    expect(error).toMatchObject({ kind: 'unavailable', status: 502 });
    expect(api.requestsTo('list-comments')).toHaveLength(3);
  });

  it('nothing listening at the API URL: network errors are retried, then unavailable', async () => {
    const closed = await GitHubApiStandIn.start();
    const url = closed.url;
    await closed.close();
    const error = await rejection(
      upsertPlanComment({ ...args('t'), apiUrl: url, retries: 1, body: body('modules/root', 'x') }),
    );
    expect(error.kind).toBe('unavailable');
  });

  it('a secondary rate limit (403 with retry-after) waits and retries through the throttling plugin', async () => {
    api.failNext('create-comment', 403, {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      headers: { 'retry-after': '2' },
    });
    const result = await upsertPlanComment({ ...args(api.userToken('ci-user')), body: body('modules/root', 'x') });
    expect(result.created).toBe(true);
    expect(api.requestsTo('create-comment').map((r) => r.status)).toEqual([403, 201]);
  });

  it('a body over 65,536 characters is rejected by GitHub (422): the renderer must never produce one', async () => {
    const error = await rejection(
      upsertPlanComment({ ...args(api.userToken('ci-user')), body: body('modules/root', 'x'.repeat(65_536)) }),
    );
    expect(error).toMatchObject({ kind: 'rejected', status: 422 });
    expect(error.message).toContain('too long');
  });
});

describe('findPlanComment', () => {
  it('returns our comment of the target with its metadata, not a planted one', async () => {
    api.seedComment(owner, repo, issueNumber, body('modules/root', 'planted'), 'mallory');
    const token = api.installationToken();
    expect(await findPlanComment(args(token))).toBeNull();
    const posted = await upsertPlanComment({ ...args(token), body: body('modules/root', 'reviewed') });
    const found = await findPlanComment(args(token));
    expect(found).toMatchObject({ id: posted.id, url: posted.url, body: body('modules/root', 'reviewed') });
    expect(found?.metadata).toEqual({
      version: 1,
      target: 'modules/root',
      headSha: 'a'.repeat(40),
      planHash: 'h'.repeat(64),
      status: 'planned',
    });
    expect(await findPlanComment(args(token, 'modules/other'))).toBeNull();
  });

  it('reports an outage as a GitHubCommentError', async () => {
    api.failNext('list-comments', 503, { times: 5 });
    const error = await rejection(findPlanComment({ ...args(api.installationToken()), retries: 1 }));
    expect(error.kind).toBe('unavailable');
  });
});

describe('updateCommentStatus', () => {
  it('marks the comment applied, then failed, keeping one banner and the rest of the body', async () => {
    const token = api.installationToken();
    const original = body('modules/root', '### flux-bootstrap plan\n\nthe plan');
    const posted = await upsertPlanComment({ ...args(token), body: original });
    const status = {
      ...args(token),
      commentId: posted.id,
      runUrl: 'https://github.example/runs/9',
      sha: 'c'.repeat(40),
    };
    await updateCommentStatus({ ...status, status: 'applied' });
    let stored = bodies()[0]!;
    expect(parseCommentMetadata(stored)?.status).toBe('applied');
    expect(stored).toContain(
      '**Applied on main** at `cccccccccccc` by [this workflow run](https://github.example/runs/9).',
    );
    expect(stored).toContain('the plan');
    await updateCommentStatus({ ...status, status: 'apply-failed', detail: 'tofu apply exited 1.' });
    stored = bodies()[0]!;
    expect(parseCommentMetadata(stored)).toMatchObject({ status: 'apply-failed', planHash: 'h'.repeat(64) });
    expect(stored).toContain('**The apply on main failed**');
    expect(stored).not.toContain('Applied on main');
    expect(stored.match(/flux-bootstrap-status -->/g)).toHaveLength(2); // one banner: its start and end
    expect(stored.endsWith('the plan\n')).toBe(true);
    // A check before apply that stopped the reviewed plan says so, replacing the banner again.
    await updateCommentStatus({
      ...status,
      status: 'not-applied',
      detail: 'Not applying: user "ci" lacks permissions.',
    });
    stored = bodies()[0]!;
    expect(parseCommentMetadata(stored)?.status).toBe('not-applied');
    expect(stored).toContain('> [!CAUTION]\n> **Not applied on main** at `cccccccccccc`');
    expect(stored).toContain('Not applying: user "ci" lacks permissions.');
    expect(stored).not.toContain('The apply on main failed');
    expect(stored.match(/flux-bootstrap-status -->/g)).toHaveLength(2);
  });

  it('refuses a comment that is not a plan comment', async () => {
    const other = api.seedComment(owner, repo, issueNumber, 'just a comment', 'ci-user');
    const error = await rejection(
      updateCommentStatus({
        ...args(api.userToken('ci-user')),
        commentId: other.id,
        status: 'applied',
        runUrl: '',
        sha: 'c'.repeat(40),
      }),
    );
    expect(error.kind).toBe('not-found');
  });
});

describe('findMergedPullRequest', () => {
  it('finds the pull request merged as the commit; not an open one containing it; null for a direct push', async () => {
    const token = api.installationToken();
    const merge = 'd'.repeat(40);
    const inside = 'e'.repeat(40);
    api.addPull({
      owner,
      repo,
      number: 7,
      merged_at: '2026-01-02T00:00:00Z',
      merge_commit_sha: merge,
      commits: [inside],
    });
    api.addPull({ owner, repo, number: 8, merged_at: null, merge_commit_sha: 'f'.repeat(40), commits: [inside] });
    const args = { token, apiUrl: api.url, owner, repo, retryBaseMs: 1 };
    expect(await findMergedPullRequest({ ...args, sha: merge })).toEqual({
      number: 7,
      url: `${api.htmlBase}/${owner}/${repo}/pull/7`,
      headSha: inside,
    });
    expect(await findMergedPullRequest({ ...args, sha: inside })).toBeNull();
    expect(await findMergedPullRequest({ ...args, sha: '0'.repeat(40) })).toBeNull();
    expect(api.requestsTo('commit-pulls').map((r) => r.path)).toContain(
      `/repos/${owner}/${repo}/commits/${merge}/pulls`,
    );
    expect(api.requestsTo('get-pull')).toEqual([]);
  });

  it('reads the pull request itself when the listing lacks the merge fields', async () => {
    const merge = '9'.repeat(40);
    api.addPull({
      owner,
      repo,
      number: 11,
      merged_at: '2026-01-03T00:00:00Z',
      merge_commit_sha: merge,
      commits: ['8'.repeat(40)],
      listedWithoutMergeFields: true,
    });
    const found = await findMergedPullRequest({
      token: api.installationToken(),
      apiUrl: api.url,
      owner,
      repo,
      sha: merge,
    });
    expect(found).toMatchObject({ number: 11, headSha: '8'.repeat(40) });
    expect(api.requestsTo('get-pull').map((r) => r.path)).toEqual([`/repos/${owner}/${repo}/pulls/11`]);
  });
});
