// The reviewed-plan check's edge: finds the pull request merged as the pushed commit and its plan comment for this
// target, then compares with the pure core. It never throws: a missing token or a GitHub error is a 'not-checked'
// verdict, which the gate refuses unless 'require-reviewed-plan' is false.
import * as core from '@actions/core';
import type { ApplyStatus } from '../report/comment-status.js';
import {
  compareReviewedPlan,
  notChecked,
  type MergedPullRequestRef,
  type RecordedPlan,
  type ReviewVerdict,
} from './compare.js';
import { githubReviewApi } from './github-port.js';
import type { InputHashes } from './inputs.js';

/** What the check needs from GitHub; githubReviewApi implements it with src/report/github.ts. */
export interface ReviewApi {
  findMergedPullRequest(sha: string): Promise<MergedPullRequestRef | null>;
  /** The plan comment for `target` written by the token's own identity, or null. */
  findPlanComment(pullNumber: number, target: string): Promise<RecordedPlan | null>;
  updateCommentStatus(commentId: number, update: ApplyStatus): Promise<void>;
}

export interface ReviewCheckRequest {
  token?: string;
  apiUrl: string;
  owner: string;
  repo: string;
  /** The pushed commit (GITHUB_SHA). */
  sha: string;
  target: string;
  currentHash: string;
  currentDescription?: string;
  /** This run's hashed inputs (effectiveInputHashes), compared with the ones the reviewed comment records. */
  currentInputs?: InputHashes;
}

export async function checkReviewedPlan(
  request: ReviewCheckRequest,
  api: ReviewApi | undefined = request.token ? githubReviewApi({ ...request, token: request.token }) : undefined,
): Promise<ReviewVerdict> {
  if (!api) return notChecked("no 'github-token' to look up the merged pull request");
  try {
    const pr = await api.findMergedPullRequest(request.sha);
    const recorded = pr ? await api.findPlanComment(pr.number, request.target) : null;
    return compareReviewedPlan(request.currentHash, recorded, pr, request.currentDescription, request.currentInputs);
  } catch (error) {
    return notChecked(`the GitHub API failed: ${(error as Error).message}`);
  }
}

/** After the apply, records its result (with the run link and the commit) on the reviewed comment; only warns. */
export async function markReviewedComment(
  request: ReviewCheckRequest & { runUrl: string },
  review: ReviewVerdict,
  status: ApplyStatus['status'],
  detail?: string,
  api: ReviewApi | undefined = request.token ? githubReviewApi({ ...request, token: request.token }) : undefined,
): Promise<void> {
  if (review.commentId === undefined || !api) return;
  try {
    await api.updateCommentStatus(review.commentId, { status, runUrl: request.runUrl, sha: request.sha, detail });
  } catch (error) {
    core.warning(
      `Could not record '${status}' on the pull request comment ${review.commentUrl ?? ''}: ${(error as Error).message}`,
    );
  }
}
