// Pure reviewed-plan comparison: match, mismatch (with what differs and the comment link), a commit not from a PR,
// and a PR without a recorded plan.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideApply, type ApplyDecision } from '../src/gate/decision.js';
import { parseInputs } from '../src/inputs/schema.js';
import { differingInputs, effectiveInputHashes, type InputHashes } from '../src/review/inputs.js';
import {
  compareReviewedPlan,
  notChecked,
  type MergedPullRequestRef,
  type RecordedPlan,
  type ReviewVerdict,
} from '../src/review/compare.js';

const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const reviewedHash = hash('reviewed plan');
const otherHash = hash('other plan');
const PR_HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const OLDER = '0f0e0d0c0b0a09080706050403020100ffeeddcc';

const pr: MergedPullRequestRef = { number: 42, url: 'https://github.com/wildside/infra/pull/42', headSha: PR_HEAD };
const comment = (planHash: string | null, headSha = PR_HEAD, inputs?: InputHashes): RecordedPlan => ({
  id: 9001,
  url: 'https://github.com/wildside/infra/pull/42#issuecomment-9001',
  metadata: { target: 'modules/root', headSha, planHash, ...(inputs ? { inputs } : {}) },
});

const KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'current-context: dev',
  'clusters: [{ name: dev, cluster: { server: "https://dev.k8s.example:6443" } }]',
  'users: [{ name: ci, user: { token: s3cr3t-token-value } }]',
  'contexts: [{ name: dev, context: { cluster: dev, user: ci } }]',
].join('\n');

/** The hashes a run records for these inputs (on top of a valid minimal set). */
function hashesFor(raw: Record<string, string> = {}): InputHashes {
  const parsed = parseInputs({ 'git-url': 'https://github.com/wildside/fleet', kubeconfig: KUBECONFIG, ...raw });
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return effectiveInputHashes(parsed.inputs);
}

/** The gate on a push to main where every other condition holds. */
const gate = (verdict: ReviewVerdict, requireReviewedPlan: boolean): ApplyDecision =>
  decideApply({
    eventName: 'push',
    ref: 'refs/heads/main',
    repository: 'wildside/infra',
    acceptApply: true,
    kubeconfigPresent: true,
    planExitCode: 2,
    policyPassed: true,
    backend: 'remote',
    allowLocalState: false,
    reviewedPlan: verdict.status,
    reviewDetail: verdict.message,
    requireReviewedPlan,
  });

describe('compareReviewedPlan', () => {
  it('matches when the fingerprints are equal, linking the reviewed comment', () => {
    const verdict = compareReviewedPlan(reviewedHash, comment(reviewedHash), pr);
    expect(verdict).toEqual({
      status: 'match',
      differences: [],
      message:
        "This run's plan matches the plan reviewed in pull request #42 (https://github.com/wildside/infra/pull/42): https://github.com/wildside/infra/pull/42#issuecomment-9001",
      pullRequest: pr,
      commentUrl: 'https://github.com/wildside/infra/pull/42#issuecomment-9001',
      commentId: 9001,
    });
  });

  it('reports a mismatch with both fingerprints, the plan in words and the comment link', () => {
    const verdict = compareReviewedPlan(otherHash, comment(reviewedHash), pr, '2 to add, 0 to change, 1 to destroy');
    expect(verdict.status).toBe('mismatch');
    expect(verdict.differences[0]).toBe(
      `Plan fingerprint: reviewed ${reviewedHash.slice(0, 12)} for commit ${PR_HEAD.slice(0, 12)}, this run ${otherHash.slice(0, 12)} (2 to add, 0 to change, 1 to destroy).`,
    );
    expect(verdict.differences[1]).toMatch(/main or the cluster changed after the review/);
    expect(verdict.message).toMatch(
      / Reviewed plan: https:\/\/github\.com\/wildside\/infra\/pull\/42#issuecomment-9001$/,
    );
    expect(verdict.commentUrl).toBe('https://github.com/wildside/infra/pull/42#issuecomment-9001');
  });

  it('names the inputs that differ when the apply job was not given the plan job’s inputs', () => {
    const reviewed = hashesFor({ 'reconcile-interval': '2m' });
    const current = hashesFor({ 'reconcile-interval': '3m' });
    const verdict = compareReviewedPlan(otherHash, comment(reviewedHash, PR_HEAD, reviewed), pr, undefined, current);
    expect(verdict.status).toBe('mismatch');
    expect(verdict.differences[1]).toBe(
      "This job's inputs differ from those the pull request's plan was made with: 'reconcile-interval'. Give the plan job and the apply job the same inputs, then open a pull request (an empty commit will do) so that the plan is reviewed.",
    );
    expect(verdict.message).not.toMatch(/another merge|outside OpenTofu/);
    expect(verdict.message).not.toMatch(/\b[23]m\b/);
    // Same inputs: the cause is elsewhere, as before.
    const same = compareReviewedPlan(otherHash, comment(reviewedHash, PR_HEAD, current), pr, undefined, current);
    expect(same.differences[1]).toMatch(/main or the cluster changed after the review/);
    // An older comment without recorded inputs: nothing can be said about them.
    expect(compareReviewedPlan(otherHash, comment(reviewedHash), pr, undefined, current).differences[1]).toMatch(
      /main or the cluster changed/,
    );
  });

  it('records the inputs that shape the plan, hashed, with defaults applied and no secret in them', () => {
    const hashes = hashesFor();
    expect(Object.keys(hashes)).toContain('reconcile-interval');
    expect(Object.keys(hashes)).not.toEqual(expect.arrayContaining(['github-token']));
    for (const secret of ['digitalocean-token', 'github-token', 'backend-config'])
      expect(hashes).not.toHaveProperty(secret);
    expect(Object.values(hashes).every((h) => /^[0-9a-f]{16}$/.test(h))).toBe(true);
    expect(JSON.stringify(hashes)).not.toContain('s3cr3t');
    // A default given explicitly is the same input; a kubeconfig with other credentials for the same server too.
    expect(differingInputs(hashesFor(), hashesFor({ 'git-branch': 'main', 'reconcile-interval': '1m' }))).toEqual([]);
    const rotated = KUBECONFIG.replace('s3cr3t-token-value', 'another-token');
    expect(differingInputs(hashesFor(), hashesFor({ kubeconfig: rotated }))).toEqual([]);
    expect(
      differingInputs(
        hashesFor(),
        hashesFor({ kubeconfig: KUBECONFIG.replace('dev.k8s', 'prod.k8s'), 'git-path': './x' }),
      ),
    ).toEqual(['git-path', 'kubeconfig']);
    // Credentials that rightly differ between the plan job and the apply job are no difference of inputs.
    expect(
      differingInputs(
        hashesFor({ 'github-token': 'a', 'backend-config': 'key=a' }),
        hashesFor({ 'github-token': 'b' }),
      ),
    ).toEqual([]);
  });

  it('says when the recorded plan is of an older commit than the one merged', () => {
    const verdict = compareReviewedPlan(otherHash, comment(reviewedHash, OLDER), pr);
    expect(verdict.status).toBe('mismatch');
    expect(verdict.differences[1]).toBe(
      `The comment records the plan of commit ${OLDER.slice(0, 12)}, but the pull request was merged at ${PR_HEAD.slice(0, 12)}: the last push was never planned and reviewed.`,
    );
  });

  it('matches on the fingerprint alone, even when the comment is of an older commit with the same plan', () => {
    expect(compareReviewedPlan(reviewedHash, comment(reviewedHash, OLDER), pr).status).toBe('match');
  });

  it('tells a commit not from a pull request', () => {
    const verdict = compareReviewedPlan(reviewedHash, null, null);
    expect(verdict).toMatchObject({ status: 'not-from-pr', differences: [] });
    expect(verdict.message).toMatch(/not the merge of a pull request/);
  });

  it('tells a pull request without a plan comment from one whose comment records no plan', () => {
    const none = compareReviewedPlan(reviewedHash, null, pr);
    expect(none).toMatchObject({ status: 'no-recorded-plan', commentUrl: undefined });
    expect(none.message).toBe(
      'Merged pull request #42 (https://github.com/wildside/infra/pull/42), but it has no plan comment for this target.',
    );
    const empty = compareReviewedPlan(reviewedHash, comment(null), pr);
    expect(empty).toMatchObject({ status: 'no-recorded-plan', commentUrl: comment(null).url });
    expect(empty.message).toContain('records no plan');
  });

  it('feeds the gate: the verdict status and message become its reviewed-plan fact and reason', () => {
    const verdict = compareReviewedPlan(otherHash, comment(reviewedHash), pr);
    const decision = gate(verdict, false);
    expect(decision.apply).toBe(false);
    expect(decision.reasons).toHaveLength(1);
    expect(decision.reasons[0]).toContain('#issuecomment-9001');
  });

  it('describes a check that could not run', () => {
    const verdict = notChecked("no 'github-token' to read the merged pull request");
    expect(verdict).toEqual({
      status: 'not-checked',
      differences: [],
      message: "no 'github-token' to read the merged pull request",
    });
    const [reason] = gate(verdict, true).reasons;
    expect(reason).toBe(
      "The plan was not compared with the plan reviewed in its pull request (no 'github-token' to read the merged pull request): only 'require-reviewed-plan: false' allows applying without that check.",
    );
  });
});
