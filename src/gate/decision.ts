// The apply gate: a pure decision over the facts of one run. Applying changes a live cluster, so every condition must
// hold, and every refusal names each missing condition in words the user can act on.
//
// Events that may apply: `push` and `workflow_dispatch`, both only on refs/heads/main. A manual dispatch re-applies
// main's head without an empty commit (for example after a failed health wait); it goes through the same gate,
// including the reviewed-plan check of the commit it runs on, and only users with write access can dispatch.

export const MAIN_REF = 'refs/heads/main';
export const APPLY_EVENTS: readonly string[] = ['push', 'workflow_dispatch'];

export type PlanExitCode = 0 | 1 | 2;
/** 'unknown' when `tofu init` failed: nothing then says where the state lives, and nothing is guessed. */
export type Backend = 'remote' | 'local' | 'unknown';
/** Outcome of the reviewed-plan check (src/review/), or 'not-checked' when it did not run or could not finish. */
export type ReviewedPlan = 'match' | 'mismatch' | 'not-from-pr' | 'no-recorded-plan' | 'not-checked';

export interface ApplyFacts {
  eventName: string;
  ref: string;
  repository: string;
  /** The pull request head's repository on PR events; differs from `repository` for a fork. */
  headRepository?: string;
  acceptApply: boolean;
  kubeconfigPresent: boolean;
  planExitCode: PlanExitCode;
  policyPassed: boolean;
  backend: Backend;
  allowLocalState: boolean;
  reviewedPlan: ReviewedPlan;
  requireReviewedPlan: boolean;
  /** The review verdict's own explanation (what differs, the comment link), added to its refusal reason. */
  reviewDetail?: string;
}

/** One gate condition; the decision lists the ones that do not hold. */
export type ApplyGate =
  | 'event'
  | 'ref'
  | 'fork'
  | 'accept-apply'
  | 'kubeconfig'
  | 'plan-changes'
  | 'policy'
  | 'remote-state'
  | 'reviewed-plan';

export interface ApplyDecision {
  apply: boolean;
  /** The gates that do not hold, in the order they are checked; empty when applying. */
  missing: ApplyGate[];
  /** One sentence per missing gate, saying what to do about it. */
  reasons: string[];
  /** One sentence: what happens, or why not. */
  summary: string;
}

interface Check {
  gate: ApplyGate;
  holds: (facts: ApplyFacts) => boolean;
  reason: (facts: ApplyFacts) => string;
  /** Short words for the one-line summary. */
  label: string;
}

const isFork = (f: ApplyFacts): boolean => f.headRepository !== undefined && f.headRepository !== f.repository;

function planReason(f: ApplyFacts): string {
  if (f.planExitCode === 0) return 'The plan has no changes: there is nothing to apply.';
  return 'The plan failed (exit code 1): fix the errors it reported; a failed plan is never applied.';
}

function reviewReason(f: ApplyFacts): string {
  const detail = f.reviewDetail ? ` ${f.reviewDetail}` : '';
  switch (f.reviewedPlan) {
    case 'mismatch':
      return `This run's plan differs from the plan reviewed in the pull request: open a pull request so the new plan is reviewed, then merge it.${detail}`;
    case 'not-from-pr':
      return `The commit did not come from a merged pull request, so no reviewed plan exists: merge changes through a pull request, or set 'require-reviewed-plan: false' to apply unreviewed commits.${detail}`;
    case 'no-recorded-plan':
      return `The merged pull request has no plan comment recording its plan: run the action on the pull request with 'comment: true' before merging, or set 'require-reviewed-plan: false'.${detail}`;
    default:
      // Not run because another condition already refuses: turning the check off would change nothing, so the
      // reason says what happens instead (on a pull request: what the push of its merge will check).
      if (!shouldCheckReviewedPlan(f)) {
        return f.eventName === 'pull_request'
          ? "On merge, the push to main compares its own plan with the plan this pull request's comment records, and applies only if the two are identical."
          : 'The plan was not compared with the plan reviewed in its pull request: that check runs once the other conditions hold.';
      }
      return `The plan was not compared with the plan reviewed in its pull request${f.reviewDetail ? ` (${f.reviewDetail})` : ''}: only 'require-reviewed-plan: false' allows applying without that check.`;
  }
}

// A mismatch always refuses: 'require-reviewed-plan: false' allows unreviewed commits, never a plan that differs from
// the one reviewers approved.
function reviewHolds(f: ApplyFacts): boolean {
  if (f.reviewedPlan === 'match') return true;
  if (f.reviewedPlan === 'mismatch') return false;
  return !f.requireReviewedPlan;
}

const CHECKS: readonly Check[] = [
  {
    gate: 'event',
    label: `event ${APPLY_EVENTS.join('/')}`,
    holds: (f) => APPLY_EVENTS.includes(f.eventName),
    reason: (f) =>
      `The event is '${f.eventName}': apply runs only on a 'push' or 'workflow_dispatch' to ${MAIN_REF}; other events only plan.`,
  },
  {
    gate: 'ref',
    label: MAIN_REF,
    holds: (f) => f.ref === MAIN_REF,
    reason: (f) => `The ref is '${f.ref}': apply runs only on ${MAIN_REF}.`,
  },
  {
    gate: 'fork',
    label: 'not a fork',
    holds: (f) => !isFork(f),
    reason: (f) => `The changes come from the fork '${f.headRepository ?? ''}': code from a fork is never applied.`,
  },
  {
    gate: 'accept-apply',
    label: "'accept-apply: true'",
    holds: (f) => f.acceptApply,
    reason: () => "Input 'accept-apply' is not 'true': set it to 'true' in the workflow to allow applying on main.",
  },
  {
    gate: 'kubeconfig',
    label: "a 'kubeconfig'",
    holds: (f) => f.kubeconfigPresent,
    reason: () => "Input 'kubeconfig' is empty: pass the cluster's kubeconfig from a secret to apply.",
  },
  { gate: 'plan-changes', label: 'plan changes', holds: (f) => f.planExitCode === 2, reason: planReason },
  {
    gate: 'policy',
    label: 'passing policy',
    holds: (f) => f.policyPassed,
    reason: () => 'The policy checks failed: fix the failures listed in the policy results before applying.',
  },
  {
    gate: 'remote-state',
    label: 'remote state',
    holds: (f) => f.backend === 'remote' || (f.backend === 'local' && f.allowLocalState),
    reason: (f) =>
      f.backend === 'unknown'
        ? "The state backend is not known: 'tofu init' failed, so nothing says where the state lives. Fix the init error reported above."
        : "The state backend is local: the state of an apply on an ephemeral runner is lost and the next run would install Flux again. Configure a remote backend (inputs 'backend' and 'backend-config'), or set 'allow-local-state: true' if you keep the state file yourself.",
  },
  { gate: 'reviewed-plan', label: 'the reviewed plan', holds: reviewHolds, reason: reviewReason },
];

export function decideApply(facts: ApplyFacts): ApplyDecision {
  const failing = CHECKS.filter((check) => !check.holds(facts));
  if (failing.length === 0) {
    return {
      apply: true,
      missing: [],
      reasons: [],
      summary: `Applying this run's saved plan: ${facts.eventName} to ${MAIN_REF} with 'accept-apply: true', ${reviewedWords(facts)}.`,
    };
  }
  return {
    apply: false,
    missing: failing.map((check) => check.gate),
    reasons: failing.map((check) => check.reason(facts)),
    summary: `Not applying: missing ${failing.map((check) => check.label).join(', ')}.`,
  };
}

function reviewedWords(f: ApplyFacts): string {
  const state = f.backend === 'remote' ? 'remote state' : "local state allowed by 'allow-local-state'";
  const review = f.reviewedPlan === 'match' ? 'matching the reviewed plan' : "'require-reviewed-plan: false'";
  return `${state}, ${review}`;
}

/** The facts a pull-request run knows about the push to main that will follow its merge. */
export type MergeFacts = Omit<ApplyFacts, 'eventName' | 'ref' | 'repository' | 'headRepository' | 'reviewedPlan'>;

/**
 * The sentence the PR comment shows: what the push to main will do after merge, assuming it runs with the same
 * inputs and its plan matches this reviewed one, and which gates are missing.
 */
export function describeOnMerge(facts: MergeFacts): string {
  const decision = decideApply({
    ...facts,
    eventName: 'push',
    ref: MAIN_REF,
    repository: '',
    reviewedPlan: 'match',
  });
  if (decision.apply) {
    return 'On merge to main: this plan will be applied, provided the plan on main is identical to this one.';
  }
  if (decision.missing.length === 1 && decision.missing[0] === 'plan-changes' && facts.planExitCode === 0) {
    return 'On merge to main: nothing to apply (no changes).';
  }
  return `On merge to main: no apply. ${decision.reasons.join(' ')}`;
}

/**
 * Whether the reviewed-plan check is worth its API calls: only when every gate that does not depend on it could hold
 * for this event. Otherwise the run reports 'not-checked' and the other gates already refuse.
 */
export function shouldCheckReviewedPlan(facts: Omit<ApplyFacts, 'reviewedPlan' | 'reviewDetail'>): boolean {
  return (
    APPLY_EVENTS.includes(facts.eventName) &&
    facts.ref === MAIN_REF &&
    !isFork({ ...facts, reviewedPlan: 'not-checked' }) &&
    facts.acceptApply &&
    facts.planExitCode === 2
  );
}

/**
 * Whether a refusal fails the run: when the workflow asked for an apply (accept-apply on a push or dispatch to main
 * with changes) and the gate still refused, a green job would hide that main and the cluster now differ.
 */
export function refusalFailsRun(facts: ApplyFacts, decision: ApplyDecision): boolean {
  return (
    !decision.apply &&
    facts.acceptApply &&
    APPLY_EVENTS.includes(facts.eventName) &&
    facts.ref === MAIN_REF &&
    facts.planExitCode === 2
  );
}

/**
 * Whether a run that applies nothing still checks Flux's health: the workflow asked for an apply (accept-apply on a
 * push or dispatch of main, not from a fork) and the plan has no changes. A manual re-run after a failed health wait
 * is such a run: it must go green only once Flux is Ready, not because there was nothing left to apply.
 */
export function checksHealthWithoutChanges(facts: ApplyFacts): boolean {
  return (
    APPLY_EVENTS.includes(facts.eventName) &&
    facts.ref === MAIN_REF &&
    !isFork(facts) &&
    facts.acceptApply &&
    facts.planExitCode === 0
  );
}
