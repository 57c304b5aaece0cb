// ReviewApi over src/report/github.ts: the same token identity rules as the PR comment, so only a comment written by
// the token's own identity is trusted as the reviewed plan.
import { findMergedPullRequest, findPlanComment, updateCommentStatus, type RepositoryArgs } from '../report/github.js';
import type { ReviewApi } from './check.js';

export function githubReviewApi(repository: RepositoryArgs): ReviewApi {
  const args: RepositoryArgs = {
    token: repository.token,
    apiUrl: repository.apiUrl,
    owner: repository.owner,
    repo: repository.repo,
  };
  return {
    async findMergedPullRequest(sha) {
      const pull = await findMergedPullRequest({ ...args, sha });
      // headSha is read when github.ts provides it (the pull request's head.sha); the comparison then also says
      // whether the recorded plan was of the merged head.
      return pull ? { number: pull.number, url: pull.url, headSha: (pull as { headSha?: string }).headSha } : null;
    },
    async findPlanComment(pullNumber, target) {
      const found = await findPlanComment({ ...args, issueNumber: pullNumber, target });
      return found ? { id: found.id, url: found.url, metadata: found.metadata } : null;
    },
    async updateCommentStatus(commentId, update) {
      await updateCommentStatus({ ...args, commentId, ...update });
    },
  };
}
