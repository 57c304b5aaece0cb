// The apply gate over the full cartesian product of its factors: apply exactly where every condition holds, and
// every refusal names each missing condition. The oracle below restates the rules independently of the
// implementation's check table.
import { describe, expect, it } from 'vitest';
import {
  checksHealthWithoutChanges,
  decideApply,
  describeOnMerge,
  refusalFailsRun,
  shouldCheckReviewedPlan,
  type ApplyFacts,
  type ApplyGate,
  type Backend,
  type PlanExitCode,
  type ReviewedPlan,
} from '../src/gate/decision.js';

const REPO = 'wildside/infra';

const factors = {
  eventName: ['push', 'workflow_dispatch', 'pull_request', 'pull_request_target', 'schedule'],
  ref: ['refs/heads/main', 'refs/heads/feature', 'refs/tags/v1.0.0', 'refs/pull/7/merge', 'refs/heads/main-old'],
  headRepository: [undefined, REPO, 'someone/infra'] as (string | undefined)[],
  acceptApply: [true, false],
  kubeconfigPresent: [true, false],
  planExitCode: [0, 1, 2] as PlanExitCode[],
  policyPassed: [true, false],
  backend: ['remote', 'local', 'unknown'] as Backend[],
  allowLocalState: [true, false],
  reviewedPlan: ['match', 'mismatch', 'not-from-pr', 'no-recorded-plan', 'not-checked'] as ReviewedPlan[],
  requireReviewedPlan: [true, false],
};

function* product(): Generator<ApplyFacts> {
  const keys = Object.keys(factors) as (keyof typeof factors)[];
  const walk = function* (i: number, acc: Partial<ApplyFacts>): Generator<ApplyFacts> {
    if (i === keys.length) {
      yield { repository: REPO, ...acc } as ApplyFacts;
      return;
    }
    for (const value of factors[keys[i]!]) yield* walk(i + 1, { ...acc, [keys[i]!]: value });
  };
  yield* walk(0, {});
}

/** The rules, written out one by one. */
function expectedMissing(f: ApplyFacts): ApplyGate[] {
  const missing: ApplyGate[] = [];
  if (f.eventName !== 'push' && f.eventName !== 'workflow_dispatch') missing.push('event');
  if (f.ref !== 'refs/heads/main') missing.push('ref');
  if (f.headRepository === 'someone/infra') missing.push('fork');
  if (!f.acceptApply) missing.push('accept-apply');
  if (!f.kubeconfigPresent) missing.push('kubeconfig');
  if (f.planExitCode !== 2) missing.push('plan-changes');
  if (!f.policyPassed) missing.push('policy');
  // An unknown backend (init failed) is never taken for remote, nor allowed as local.
  if (f.backend !== 'remote' && !(f.backend === 'local' && f.allowLocalState)) missing.push('remote-state');
  const reviewed = f.reviewedPlan === 'match' || (f.reviewedPlan !== 'mismatch' && !f.requireReviewedPlan);
  if (!reviewed) missing.push('reviewed-plan');
  return missing;
}

describe('decideApply over every combination of its factors', () => {
  const all = [...product()];
  const decisions = all.map((facts) => ({ facts, decision: decideApply(facts) }));

  it('covers the whole product', () => {
    const size = Object.values(factors).reduce((n, values) => n * values.length, 1);
    expect(all).toHaveLength(size);
    expect(size).toBe(5 * 5 * 3 * 2 * 2 * 3 * 2 * 3 * 2 * 5 * 2);
  });

  it('applies exactly where every condition holds', () => {
    const wrong = decisions.filter(({ facts, decision }) => decision.apply !== (expectedMissing(facts).length === 0));
    expect(wrong.map((w) => w.facts)).toEqual([]);
    const applied = decisions.filter(({ decision }) => decision.apply);
    // push|dispatch × same-repo|no head repo × (remote, any allow | local, allowed) × (match × 2 | 3 others × false)
    expect(applied).toHaveLength(2 * 2 * 3 * 5);
    for (const { decision } of applied) {
      expect(decision.missing).toEqual([]);
      expect(decision.reasons).toEqual([]);
      expect(decision.summary).toMatch(/^Applying this run's saved plan/);
    }
  });

  it('lists each missing condition, with one actionable reason each, on every refusal', () => {
    const wrong = decisions.filter(({ facts, decision }) => {
      if (decision.apply) return false;
      const expected = expectedMissing(facts);
      return (
        decision.missing.join() !== expected.join() ||
        decision.reasons.length !== expected.length ||
        !decision.reasons.every((reason) => reason.endsWith('.')) ||
        !decision.summary.startsWith('Not applying: missing ')
      );
    });
    expect(wrong.map(({ facts, decision }) => ({ facts, decision }))).toEqual([]);
    expect(decisions.filter(({ decision }) => !decision.apply)).toHaveLength(108_000 - 60);
  });

  it('fails the run exactly when an apply was asked for on main, with changes, and refused', () => {
    const wrong = decisions.filter(({ facts, decision }) => {
      const asked =
        facts.acceptApply &&
        ['push', 'workflow_dispatch'].includes(facts.eventName) &&
        facts.ref === 'refs/heads/main' &&
        facts.planExitCode === 2;
      return refusalFailsRun(facts, decision) !== (asked && !decision.apply);
    });
    expect(wrong.map(({ facts }) => facts)).toEqual([]);
    expect(decisions.filter(({ facts, decision }) => refusalFailsRun(facts, decision)).length).toBeGreaterThan(0);
  });

  it("advises 'require-reviewed-plan: false' only where the check ran and could not finish", () => {
    // Where another condition already refuses, the check is never run: turning it off would change nothing.
    const skipped = decisions.filter(
      ({ facts, decision }) =>
        facts.reviewedPlan === 'not-checked' &&
        decision.missing.includes('reviewed-plan') &&
        !shouldCheckReviewedPlan(facts),
    );
    expect(skipped.length).toBeGreaterThan(0);
    const advising = skipped.filter(({ decision }) =>
      decision.reasons[decision.missing.indexOf('reviewed-plan')]!.includes("'require-reviewed-plan: false'"),
    );
    expect(advising.map(({ facts }) => facts)).toEqual([]);
  });

  it('never applies a plan that differs from the reviewed one, whatever else holds', () => {
    const mismatched = decisions.filter(({ facts }) => facts.reviewedPlan === 'mismatch');
    expect(mismatched.length).toBeGreaterThan(0);
    expect(mismatched.every(({ decision }) => !decision.apply && decision.missing.includes('reviewed-plan'))).toBe(
      true,
    );
  });
});

describe('refusal reasons', () => {
  const ready: ApplyFacts = {
    eventName: 'push',
    ref: 'refs/heads/main',
    repository: REPO,
    acceptApply: true,
    kubeconfigPresent: true,
    planExitCode: 2,
    policyPassed: true,
    backend: 'remote',
    allowLocalState: false,
    reviewedPlan: 'match',
    requireReviewedPlan: true,
  };

  it('applies when every condition holds and says so', () => {
    expect(decideApply(ready)).toEqual({
      apply: true,
      missing: [],
      reasons: [],
      summary:
        "Applying this run's saved plan: push to refs/heads/main with 'accept-apply: true', remote state, matching the reviewed plan.",
    });
  });

  it('names the event, the ref and the fork it saw', () => {
    const decision = decideApply({
      ...ready,
      eventName: 'pull_request_target',
      ref: 'refs/pull/3/merge',
      headRepository: 'mallory/infra',
    });
    expect(decision.reasons[0]).toContain("'pull_request_target'");
    expect(decision.reasons[1]).toContain("'refs/pull/3/merge'");
    expect(decision.reasons[2]).toContain("'mallory/infra'");
    expect(decision.summary).toBe('Not applying: missing event push/workflow_dispatch, refs/heads/main, not a fork.');
  });

  it('tells which input to set', () => {
    const decision = decideApply({ ...ready, acceptApply: false, kubeconfigPresent: false });
    expect(decision.reasons).toEqual([
      "Input 'accept-apply' is not 'true': set it to 'true' in the workflow to allow applying on main.",
      "Input 'kubeconfig' is empty: pass the cluster's kubeconfig from a secret to apply.",
    ]);
  });

  it('explains why local state is refused and how to allow it', () => {
    const [reason] = decideApply({ ...ready, backend: 'local' }).reasons;
    expect(reason).toContain('ephemeral runner');
    expect(reason).toContain("'allow-local-state: true'");
  });

  it('never guesses the backend after a failed init: it says init failed, not that state is local', () => {
    const decision = decideApply({ ...ready, backend: 'unknown', allowLocalState: true, planExitCode: 1 });
    expect(decision.missing).toContain('remote-state');
    const reason = decision.reasons[decision.missing.indexOf('remote-state')]!;
    expect(reason).toContain("'tofu init' failed");
    expect(reason).not.toContain('is local');
  });

  it('says on a pull request what the merge will check, instead of advising to turn the check off', () => {
    const decision = decideApply({
      ...ready,
      eventName: 'pull_request',
      ref: 'refs/pull/3/merge',
      headRepository: REPO,
      reviewedPlan: 'not-checked',
      reviewDetail: 'checked only when the other conditions allow an apply',
    });
    expect(decision.missing).toEqual(['event', 'ref', 'reviewed-plan']);
    const reason = decision.reasons[2]!;
    expect(reason).toBe(
      "On merge, the push to main compares its own plan with the plan this pull request's comment records, and applies only if the two are identical.",
    );
    // A push to main that another condition refuses: the check did not run, and turning it off would not help.
    const refused = decideApply({ ...ready, acceptApply: false, reviewedPlan: 'not-checked' });
    expect(refused.reasons.at(-1)).toBe(
      'The plan was not compared with the plan reviewed in its pull request: that check runs once the other conditions hold.',
    );
    // A check that ran and could not finish keeps its advice.
    const [why] = decideApply({ ...ready, reviewedPlan: 'not-checked', reviewDetail: "no 'github-token'" }).reasons;
    expect(why).toContain(
      "(no 'github-token'): only 'require-reviewed-plan: false' allows applying without that check.",
    );
  });

  it('tells a failed plan from an empty one', () => {
    expect(decideApply({ ...ready, planExitCode: 0 }).reasons).toEqual([
      'The plan has no changes: there is nothing to apply.',
    ]);
    expect(decideApply({ ...ready, planExitCode: 1 }).reasons[0]).toMatch(/^The plan failed \(exit code 1\)/);
  });

  it('carries the review verdict detail (what differs, the comment link) into its reason', () => {
    const detail = 'Plan hash: reviewed abc, this run def. Reviewed plan: https://github.com/o/r/pull/1#issuecomment-9';
    const [reason] = decideApply({ ...ready, reviewedPlan: 'mismatch', reviewDetail: detail }).reasons;
    expect(reason).toMatch(/^This run's plan differs from the plan reviewed in the pull request/);
    expect(reason).toContain(detail);
    for (const verdict of ['not-from-pr', 'no-recorded-plan', 'not-checked'] as const) {
      const [why] = decideApply({ ...ready, reviewedPlan: verdict }).reasons;
      expect(why).toContain("'require-reviewed-plan: false'");
    }
  });
});

describe('describeOnMerge', () => {
  const merge = {
    acceptApply: true,
    kubeconfigPresent: true,
    planExitCode: 2 as PlanExitCode,
    policyPassed: true,
    backend: 'remote' as Backend,
    allowLocalState: false,
    requireReviewedPlan: true,
  };

  it('says the plan will be applied when the gates hold on main', () => {
    expect(describeOnMerge(merge)).toBe(
      'On merge to main: this plan will be applied, provided the plan on main is identical to this one.',
    );
  });

  it('says nothing will be applied for a plan without changes', () => {
    expect(describeOnMerge({ ...merge, planExitCode: 0 })).toBe('On merge to main: nothing to apply (no changes).');
  });

  it('names every gate that will be missing', () => {
    const sentence = describeOnMerge({ ...merge, acceptApply: false, backend: 'local', policyPassed: false });
    expect(sentence).toMatch(/^On merge to main: no apply\. /);
    expect(sentence).toContain("'accept-apply'");
    expect(sentence).toContain('policy checks failed');
    expect(sentence).toContain("'allow-local-state: true'");
    expect(sentence).not.toContain('pull_request');
  });
});

describe('checksHealthWithoutChanges', () => {
  const rerun: ApplyFacts = {
    eventName: 'workflow_dispatch',
    ref: 'refs/heads/main',
    repository: REPO,
    acceptApply: true,
    kubeconfigPresent: true,
    planExitCode: 0,
    policyPassed: true,
    backend: 'remote',
    allowLocalState: false,
    reviewedPlan: 'not-checked',
    requireReviewedPlan: true,
  };

  it('checks Flux on a run that was asked to apply and found nothing to change, and only there', () => {
    expect(checksHealthWithoutChanges(rerun)).toBe(true);
    expect(checksHealthWithoutChanges({ ...rerun, eventName: 'push' })).toBe(true);
    // Whatever else refuses: the health check reads, it never writes.
    expect(checksHealthWithoutChanges({ ...rerun, backend: 'local', policyPassed: false })).toBe(true);
    expect(checksHealthWithoutChanges({ ...rerun, eventName: 'pull_request' })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, eventName: 'schedule' })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, ref: 'refs/heads/feature' })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, headRepository: 'someone/infra' })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, acceptApply: false })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, planExitCode: 2 })).toBe(false);
    expect(checksHealthWithoutChanges({ ...rerun, planExitCode: 1 })).toBe(false);
  });
});

describe('shouldCheckReviewedPlan', () => {
  const facts = {
    eventName: 'push',
    ref: 'refs/heads/main',
    repository: REPO,
    acceptApply: true,
    kubeconfigPresent: true,
    planExitCode: 2 as PlanExitCode,
    policyPassed: true,
    backend: 'remote' as Backend,
    allowLocalState: false,
    requireReviewedPlan: true,
  };

  it('checks only a plan with changes, accepted for apply, on a push or dispatch to main', () => {
    expect(shouldCheckReviewedPlan(facts)).toBe(true);
    expect(shouldCheckReviewedPlan({ ...facts, eventName: 'workflow_dispatch' })).toBe(true);
    expect(shouldCheckReviewedPlan({ ...facts, eventName: 'pull_request' })).toBe(false);
    expect(shouldCheckReviewedPlan({ ...facts, ref: 'refs/heads/dev' })).toBe(false);
    expect(shouldCheckReviewedPlan({ ...facts, headRepository: 'someone/infra' })).toBe(false);
    expect(shouldCheckReviewedPlan({ ...facts, acceptApply: false })).toBe(false);
    expect(shouldCheckReviewedPlan({ ...facts, planExitCode: 0 })).toBe(false);
  });
});
