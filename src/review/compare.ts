// Pure comparison of this run's plan with the plan reviewed in the merged pull request: the fingerprint recorded in
// the PR comment's metadata against this run's. A different fingerprint means main would apply something nobody
// reviewed; the verdict says what differs and links the comment so the user can compare.
import type { ReviewedPlan } from '../gate/decision.js';
import { differingInputs, inputLabel, type InputHashes } from './inputs.js';

export interface MergedPullRequestRef {
  number: number;
  /** The pull request's page. */
  url: string;
  /** The PR head commit when it was merged (the commit the last PR run planned), when known. */
  headSha?: string;
}

/** The fields of the PR comment's metadata the comparison reads (src/report/comment.ts CommentMetadata). */
export interface RecordedPlanMetadata {
  target: string;
  headSha: string;
  planHash: string | null;
  /** The hashed inputs the pull request's plan was made with (src/review/inputs.ts); absent in older comments. */
  inputs?: InputHashes;
}

export interface RecordedPlan {
  /** The comment's id, to update its status after the apply. */
  id: number;
  /** The comment's html_url. */
  url: string;
  metadata: RecordedPlanMetadata;
}

export interface ReviewVerdict {
  status: ReviewedPlan;
  /** Each difference or missing piece, one sentence each; empty on a match. */
  differences: string[];
  /** One line for the log and the gate's reason. */
  message: string;
  pullRequest?: MergedPullRequestRef;
  /** The PR comment holding the reviewed plan, when there is one. */
  commentUrl?: string;
  commentId?: number;
}

const short = (value: string): string => value.slice(0, 12);

/** A check that did not run or could not finish; `why` completes "the plan was not compared … (why)". */
export function notChecked(why: string): ReviewVerdict {
  return { status: 'not-checked', differences: [], message: why };
}

export function compareReviewedPlan(
  currentHash: string,
  recorded: RecordedPlan | null,
  pr: MergedPullRequestRef | null,
  /** This run's plan in words ("1 to add, 0 to change, 0 to destroy"), to put next to its fingerprint. */
  currentDescription?: string,
  /** This run's hashed inputs, to name the ones that differ from the reviewed plan's. */
  currentInputs?: InputHashes,
): ReviewVerdict {
  if (!pr) {
    return {
      status: 'not-from-pr',
      differences: [],
      message: 'The pushed commit is not the merge of a pull request: there is no reviewed plan to compare with.',
    };
  }
  const prWords = `pull request #${pr.number} (${pr.url})`;
  if (!recorded || recorded.metadata.planHash === null) {
    const why = recorded
      ? `its plan comment (${recorded.url}) records no plan (the plan failed or was not made)`
      : 'it has no plan comment for this target';
    return {
      status: 'no-recorded-plan',
      differences: [],
      message: `Merged ${prWords}, but ${why}.`,
      pullRequest: pr,
      commentUrl: recorded?.url,
      commentId: recorded?.id,
    };
  }
  const { planHash, headSha } = recorded.metadata;
  if (planHash === currentHash) {
    return {
      status: 'match',
      differences: [],
      message: `This run's plan matches the plan reviewed in ${prWords}: ${recorded.url}`,
      pullRequest: pr,
      commentUrl: recorded.url,
      commentId: recorded.id,
    };
  }
  const current = currentDescription ? ` (${currentDescription})` : '';
  const differences = [
    `Plan fingerprint: reviewed ${short(planHash)} for commit ${short(headSha)}, this run ${short(currentHash)}${current}.`,
  ];
  const inputs = differingInputs(recorded.metadata.inputs, currentInputs);
  if (inputs.length > 0) {
    differences.push(
      `This job's inputs differ from those the pull request's plan was made with: ${inputs.map(inputLabel).join(', ')}. ` +
        'Give the plan job and the apply job the same inputs, then open a pull request (an empty commit will do) so that the plan is reviewed.',
    );
  }
  if (pr.headSha !== undefined && headSha !== pr.headSha) {
    differences.push(
      `The comment records the plan of commit ${short(headSha)}, but the pull request was merged at ${short(pr.headSha)}: the last push was never planned and reviewed.`,
    );
  } else if (inputs.length === 0) {
    differences.push(
      'The reviewed commit is the one merged, so main or the cluster changed after the review: another merge (require branches to be up to date before merging) or changes made outside OpenTofu.',
    );
  }
  return {
    status: 'mismatch',
    differences,
    message: `${differences.join(' ')} Reviewed plan: ${recorded.url}`,
    pullRequest: pr,
    commentUrl: recorded.url,
    commentId: recorded.id,
  };
}
