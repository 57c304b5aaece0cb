// The drift issue's GitHub edge (src/report/drift-issue.ts) against the GitHub REST API stand-in (a real HTTP server
// on 127.0.0.1): one open issue per target found by its marker among pages of others and pull requests, only our
// own issues touched, closed when drift is gone, races, and a token without `issues: write` refused with a warning
// that names the permission.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driftIssueMarker } from '../src/report/drift.js';
import { closeDriftIssue, upsertDriftIssue } from '../src/report/drift-issue.js';
import { GitHubCommentError } from '../src/report/github.js';
import { GITHUB_ACTIONS_BOT, GitHubApiStandIn } from './support/github-api.js';

const owner = 'wildside';
const repo = 'infra';
let api: GitHubApiStandIn;

beforeEach(async () => {
  api = await GitHubApiStandIn.start();
});
afterEach(async () => {
  await api.close();
});

const body = (target: string, text: string): string =>
  `${driftIssueMarker({ version: 1, target, headSha: 'a'.repeat(40) })}\n\n${text}\n`;
const args = (token: string, target = 'dev') => ({ token, apiUrl: api.url, owner, repo, target, retryBaseMs: 1 });
const open = () => api.issues.of(owner, repo, 'open');
const resolved = (previous: string) => `${previous}\nresolved`;

describe('upsertDriftIssue and closeDriftIssue', () => {
  it('opens one issue, updates the same one on the next run, and closes it as completed when drift is gone', async () => {
    const token = api.installationToken();
    const first = await upsertDriftIssue({ ...args(token), title: 'Flux drift: dev', body: body('dev', 'one') });
    expect(first.action).toBe('opened');
    expect(first.issue?.url).toBe(`${api.htmlBase}/${owner}/${repo}/issues/${first.issue?.number}`);
    const second = await upsertDriftIssue({ ...args(token), title: 'Flux drift: dev', body: body('dev', 'two') });
    expect(second).toEqual({ action: 'updated', issue: first.issue });
    const again = await upsertDriftIssue({ ...args(token), title: 'Flux drift: dev', body: body('dev', 'two') });
    expect(again.action).toBe('unchanged');
    expect(api.requestsTo('update-issue')).toHaveLength(1);
    expect(open().map((i) => [i.number, i.body, i.user.login])).toEqual([
      [first.issue?.number, body('dev', 'two'), 'github-actions[bot]'],
    ]);

    const closed = await closeDriftIssue({ ...args(token), resolved });
    expect(closed).toEqual({ action: 'closed', issue: first.issue });
    expect(open()).toEqual([]);
    const issue = api.issues.of(owner, repo)[0]!;
    expect(issue).toMatchObject({
      state: 'closed',
      state_reason: 'completed',
      body: `${body('dev', 'two')}\nresolved`,
    });
    // Nothing open: nothing to close, and a new drift opens a new issue.
    expect(await closeDriftIssue({ ...args(token), resolved })).toEqual({ action: 'none' });
    const next = await upsertDriftIssue({ ...args(token), title: 'Flux drift: dev', body: body('dev', 'three') });
    expect(next.action).toBe('opened');
    expect(next.issue?.number).not.toBe(first.issue?.number);
  });

  it('keeps one issue per target, finds it among 250 issues and pull requests across pages', async () => {
    const token = api.installationToken();
    for (let i = 1; i <= 5; i++)
      api.addPull({ owner, repo, number: i, merged_at: null, merge_commit_sha: null, commits: [] });
    for (let i = 0; i < 250; i++) {
      api.issues.seed({ owner, repo, title: `bug ${i}`, body: `text ${i}`, user: GITHUB_ACTIONS_BOT, state: 'open' });
    }
    const staging = await upsertDriftIssue({ ...args(token, 'staging'), title: 't', body: body('staging', 's') });
    const dev = await upsertDriftIssue({ ...args(token, 'dev'), title: 't', body: body('dev', 'd') });
    expect(dev.action).toBe('opened');
    expect(dev.issue?.number).not.toBe(staging.issue?.number);
    expect((await upsertDriftIssue({ ...args(token, 'dev'), title: 't', body: body('dev', 'd2') })).issue).toEqual(
      dev.issue,
    );
    expect(api.requestsTo('list-issues').some((r) => r.query.page === '3')).toBe(true);
    await closeDriftIssue({ ...args(token, 'dev'), resolved });
    expect(
      open()
        .filter((i) => i.body.includes('flux-bootstrap-drift'))
        .map((i) => i.number),
    ).toEqual([staging.issue?.number]);
  });

  it('leaves alone an issue with the same marker written by someone else', async () => {
    const token = api.installationToken();
    const planted = api.issues.seed({
      owner,
      repo,
      title: 'planted',
      body: body('dev', 'not ours'),
      user: { login: 'mallory', id: 66, type: 'User' },
      state: 'open',
    });
    expect(await closeDriftIssue({ ...args(token), resolved })).toEqual({ action: 'none' });
    const ours = await upsertDriftIssue({ ...args(token), title: 't', body: body('dev', 'ours') });
    expect(ours.action).toBe('opened');
    expect(api.issues.get(owner, repo, planted.number)).toMatchObject({ state: 'open', body: body('dev', 'not ours') });
  });

  it('two runs racing end with one open issue: the newer is closed as not planned', async () => {
    const token = api.installationToken();
    api.holdUntil('create-issue', 2);
    const [a, b] = await Promise.all([
      upsertDriftIssue({ ...args(token), title: 't', body: body('dev', 'a') }),
      upsertDriftIssue({ ...args(token), title: 't', body: body('dev', 'b') }),
    ]);
    expect(a.issue?.number).toBe(b.issue?.number);
    expect(open()).toHaveLength(1);
    const closed = api.issues.of(owner, repo, 'closed');
    expect(closed.map((i) => i.state_reason)).toEqual(['not_planned']);
  });

  it('a token without issues: write gets 403 once, and the error names the permission to grant', async () => {
    const token = api.installationToken({ issues: 'read' });
    const error = await upsertDriftIssue({ ...args(token), title: 't', body: body('dev', 'x') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GitHubCommentError);
    expect((error as GitHubCommentError).kind).toBe('forbidden');
    expect((error as GitHubCommentError).message).toBe(
      'Could not open or update the drift issue of dev: GitHub answered 403: Resource not accessible by integration. ' +
        'Give the job `permissions: issues: write` for `drift-issue: true`.',
    );
    expect(api.requestsTo('create-issue')).toHaveLength(1);
    expect(open()).toEqual([]);
  });

  it('an outage while listing is retried, then the issue is still written', async () => {
    const token = api.installationToken();
    api.failNext('list-issues', 502, { times: 2 });
    const result = await upsertDriftIssue({ ...args(token), title: 't', body: body('dev', 'x') });
    expect(result.action).toBe('opened');
    expect(api.requestsTo('list-issues').filter((r) => r.status === 502)).toHaveLength(2);
  });
});
