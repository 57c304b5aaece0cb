// The report stage's edge: the job summary on every run, and on pull requests the one comment of this target.
// A comment that cannot be posted (fork token, no token, 403, outage) never fails the run: it warns with the
// reason, and the job summary still carries the same report.
import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import { GitHubCommentError, upsertPlanComment } from './github.js';

export type CommentPlan = { post: true; issueNumber: number; token: string } | { post: false; why?: string };

/** Pure: whether this run posts a comment, and if not, whether that deserves a warning. */
export function planComment(context: RunContext, comment: boolean, token: string | undefined): CommentPlan {
  if (!comment) return { post: false };
  if (context.eventName !== 'pull_request' || !context.pullRequest) return { post: false };
  if (!token) return { post: false, why: "no github-token: pass 'github-token' (the default is github.token)" };
  return { post: true, issueNumber: context.pullRequest.number, token };
}

/** Posts or updates the comment when the plan says so; returns its URL, '' when there is none. */
export async function publishComment(
  plan: CommentPlan,
  context: RunContext,
  target: string,
  body: string,
): Promise<string> {
  if (!plan.post) {
    if (plan.why) core.warning(`No PR comment: ${plan.why}. The job summary has the report.`);
    return '';
  }
  try {
    const comment = await upsertPlanComment({
      token: plan.token,
      apiUrl: context.apiUrl,
      owner: context.owner,
      repo: context.repo,
      issueNumber: plan.issueNumber,
      target,
      body,
    });
    core.info(`${comment.created ? 'Created' : 'Updated'} the plan comment: ${comment.url}`);
    return comment.url;
  } catch (error) {
    if (!(error instanceof GitHubCommentError)) throw error;
    core.warning(`No PR comment: ${error.message} The job summary has the report.`);
    return '';
  }
}
