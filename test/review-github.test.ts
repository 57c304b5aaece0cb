// The reviewed-plan check's edge against the GitHub API stand-in: the merged pull request of the pushed commit, its
// plan comment by the token's own identity, match and mismatch, comments by anyone else never trusted, and the
// apply status written back to the comment.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { metadataMarker, parseCommentMetadata } from '../src/report/comment.js';
import { checkReviewedPlan, markReviewedComment, type ReviewCheckRequest } from '../src/review/check.js';
import { GITHUB_ACTIONS_BOT, GitHubApiStandIn } from './support/github-api.js';

const OWNER = 'wildside';
const REPO = 'infra';
const TARGET = 'config';
const MERGE_SHA = 'c0ffee0000000000000000000000000000000001';
const PR_HEAD = 'beef000000000000000000000000000000000002';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const reviewed = hash('reviewed');

let github: GitHubApiStandIn;
let token: string;
beforeAll(async () => {
  github = await GitHubApiStandIn.start();
  token = github.installationToken();
});
afterAll(() => github.close());

let pr = 100;
let request: ReviewCheckRequest;
beforeEach(() => {
  pr++;
  request = {
    token,
    apiUrl: github.url,
    owner: OWNER,
    repo: REPO,
    sha: `${MERGE_SHA.slice(0, -3)}${pr}`,
    target: TARGET,
    currentHash: reviewed,
  };
  github.addPull({
    owner: OWNER,
    repo: REPO,
    number: pr,
    merged_at: '2026-01-02T00:00:00Z',
    merge_commit_sha: request.sha,
    commits: [PR_HEAD],
  });
});

function planComment(planHash: string | null, author = GITHUB_ACTIONS_BOT, target = TARGET): number {
  const body = `${metadataMarker({ version: 1, target, headSha: PR_HEAD, planHash, status: 'planned' })}\n\n**Plan:** 1 to add\n`;
  return github.seedComment(OWNER, REPO, pr, body, author).id;
}

describe('checkReviewedPlan', () => {
  it('matches the plan recorded by our own comment on the merged pull request', async () => {
    const id = planComment(reviewed);
    const verdict = await checkReviewedPlan(request);
    expect(verdict).toMatchObject({
      status: 'match',
      commentId: id,
      commentUrl: `${github.htmlBase}/${OWNER}/${REPO}/pull/${pr}#issuecomment-${id}`,
      pullRequest: { number: pr, url: `${github.htmlBase}/${OWNER}/${REPO}/pull/${pr}` },
    });
    expect(github.requestsTo('commit-pulls').at(-1)?.path).toBe(`/repos/${OWNER}/${REPO}/commits/${request.sha}/pulls`);
  });

  it('reports a mismatch with both fingerprints and the comment link', async () => {
    const id = planComment(reviewed);
    const verdict = await checkReviewedPlan({
      ...request,
      currentHash: hash('changed'),
      currentDescription: '2 to add',
    });
    expect(verdict.status).toBe('mismatch');
    expect(verdict.message).toContain(
      `reviewed ${reviewed.slice(0, 12)} for commit ${PR_HEAD.slice(0, 12)}, this run ${hash('changed').slice(0, 12)} (2 to add)`,
    );
    expect(verdict.message).toContain(`#issuecomment-${id}`);
  });

  it('never trusts a comment by another author, even with our marker and the matching fingerprint', async () => {
    planComment(reviewed, { login: 'mallory', id: 666, type: 'User' });
    const verdict = await checkReviewedPlan(request);
    expect(verdict.status).toBe('no-recorded-plan');
    expect(verdict.message).toContain('it has no plan comment for this target');
  });

  it('looks only at the comment of this target', async () => {
    planComment(reviewed, GITHUB_ACTIONS_BOT, 'other-config');
    expect((await checkReviewedPlan(request)).status).toBe('no-recorded-plan');
  });

  it('tells a comment that records no plan (the PR plan failed)', async () => {
    planComment(null);
    const verdict = await checkReviewedPlan(request);
    expect(verdict.status).toBe('no-recorded-plan');
    expect(verdict.message).toContain('records no plan');
  });

  it('tells a commit pushed straight to main', async () => {
    const verdict = await checkReviewedPlan({ ...request, sha: 'abcdef0000000000000000000000000000000009' });
    expect(verdict.status).toBe('not-from-pr');
  });

  it('does not take a pull request that merely contains the commit for its merge', async () => {
    planComment(reviewed);
    expect((await checkReviewedPlan({ ...request, sha: PR_HEAD })).status).toBe('not-from-pr');
  });

  it('is not-checked without a token, or when GitHub refuses the token, never throwing', async () => {
    expect(await checkReviewedPlan({ ...request, token: undefined })).toEqual({
      status: 'not-checked',
      differences: [],
      message: "no 'github-token' to look up the merged pull request",
    });
    const verdict = await checkReviewedPlan({ ...request, token: 'not-a-known-token' });
    expect(verdict.status).toBe('not-checked');
    expect(verdict.message).toMatch(/^the GitHub API failed: .*401/);
  });
});

describe('markReviewedComment', () => {
  it('records the apply on the reviewed comment with the run link and the commit', async () => {
    const id = planComment(reviewed);
    const verdict = await checkReviewedPlan(request);
    const runUrl = 'https://github.example/wildside/infra/actions/runs/4242';
    await markReviewedComment({ ...request, runUrl }, verdict, 'applied');
    const body = github.comments(OWNER, REPO, pr).find((c) => c.id === id)!.body;
    expect(parseCommentMetadata(body)).toMatchObject({ status: 'applied', planHash: reviewed, target: TARGET });
    expect(body).toContain(runUrl);
    expect(body).toContain(request.sha.slice(0, 12));
  });

  it('only warns when the update fails, and does nothing without a comment', async () => {
    const id = planComment(reviewed);
    const verdict = await checkReviewedPlan(request);
    const readOnly = github.installationToken({ readOnly: true });
    await expect(
      markReviewedComment({ ...request, token: readOnly, runUrl: 'u' }, verdict, 'apply-failed'),
    ).resolves.toBeUndefined();
    expect(parseCommentMetadata(github.comments(OWNER, REPO, pr).find((c) => c.id === id)!.body)?.status).toBe(
      'planned',
    );
    const before = github.requests.length;
    await markReviewedComment(
      { ...request, runUrl: 'u' },
      { status: 'not-from-pr', differences: [], message: '' },
      'applied',
    );
    expect(github.requests.length).toBe(before);
  });
});
