// The GitHub edge of the report stage: finds, creates and updates the one plan comment per target, and finds the
// merged pull request of a commit for the apply's reviewed-plan check. Every failure is a GitHubCommentError with
// a reason fit for a warning: a comment that cannot be posted never fails the run by itself.
//
// Whose comments are ours: only comments written by the token's own identity are edited, found, or trusted for
// the reviewed plan. A user token answers GET /user. An installation token (the workflow's GITHUB_TOKEN, or a
// GitHub App's) gets 403 there, and nothing else an installation token may call names its bot user; so it is taken
// to be `github-actions[bot]`, the GITHUB_TOKEN's author, unless `authorLogin` names another app's bot
// (`<app-slug>[bot]`). After creating a comment the author GitHub recorded is known for sure and is what the
// duplicate clean-up matches, so even a wrong assumption ends with one comment, never with someone else's edited.
import { randomUUID } from 'node:crypto';
import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { parseCommentMetadata, type CommentMetadata } from './comment.js';
import { withApplyStatus, type ApplyStatus } from './comment-status.js';

export const INSTALLATION_BOT_LOGIN = 'github-actions[bot]';

export type GitHubCommentErrorKind =
  'no-token' | 'unauthorized' | 'forbidden' | 'not-found' | 'rejected' | 'rate-limited' | 'unavailable' | 'unexpected';

/** A failure to reach or change the comment, with a message that says why and what to do. */
export class GitHubCommentError extends Error {
  constructor(
    readonly kind: GitHubCommentErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GitHubCommentError';
  }
}

export interface RepositoryArgs {
  token: string;
  /** GITHUB_API_URL: https://api.github.com, a GitHub Enterprise Server's /api/v3, or a stand-in in tests. */
  apiUrl: string;
  owner: string;
  repo: string;
  /** The bot login to treat as ours when the token is an installation token (default `github-actions[bot]`). */
  authorLogin?: string;
  /** Retries of transient failures (5xx, network errors, rate limits). Default 3. */
  retries?: number;
  /** Milliseconds per second of back-off: 1,000 in real runs (1 s, 4 s, 9 s…); tests make it small. */
  retryBaseMs?: number;
}

export interface CommentArgs extends RepositoryArgs {
  issueNumber: number;
  target: string;
}

export interface FoundComment {
  id: number;
  url: string;
  body: string;
  metadata: CommentMetadata;
}

interface ApiComment {
  id: number;
  html_url: string;
  body?: string | null;
  user?: { login: string } | null;
}

export type Client = ReturnType<typeof getOctokit>;

/** Upper bound on one wait asked for by a rate limit; longer waits give up rather than stall the job. */
const MAX_RATE_LIMIT_WAIT_S = 60;

export function client(args: RepositoryArgs): Client {
  if (!args.token) {
    throw new GitHubCommentError(
      'no-token',
      'No GitHub token: the comment needs the `github-token` input (default `${{ github.token }}`).',
    );
  }
  const retries = args.retries ?? 3;
  const base = args.retryBaseMs ?? 1000;
  const again = (after: number, _options: unknown, _octokit: unknown, count: number): boolean =>
    count < retries && after <= MAX_RATE_LIMIT_WAIT_S;
  return getOctokit(
    args.token,
    {
      baseUrl: args.apiUrl.replace(/\/+$/, ''),
      retry: { retries, retryAfterBaseValue: base },
      // A fresh id per client: the plugin spaces writes per id, and separate runs never share a limiter either.
      throttle: { id: randomUUID(), retryAfterBaseValue: base, onRateLimit: again, onSecondaryRateLimit: again },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    },
    retry,
    throttling,
  );
}

const PULL_REQUEST_PERMISSION =
  'Pull requests from forks get a read-only token; otherwise give the job `permissions: pull-requests: write`.';

function toCommentError(error: unknown, action: string, forbiddenHint: string): GitHubCommentError {
  if (error instanceof GitHubCommentError) return error;
  const status = (error as { status?: unknown }).status;
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.split(' - https://')[0]!.trim(); // drop the documentation link Octokit appends
  if (typeof status !== 'number') return new GitHubCommentError('unexpected', `Could not ${action}: ${message}`);
  const said = `GitHub answered ${status}: ${message}`;
  if (status === 401) {
    return new GitHubCommentError(
      'unauthorized',
      `Could not ${action}: ${said}. Check the \`github-token\` input.`,
      status,
    );
  }
  if (status === 403 && /rate limit/i.test(message)) {
    return new GitHubCommentError(
      'rate-limited',
      `Could not ${action}: ${said} (still limited after waiting).`,
      status,
    );
  }
  if (status === 403) {
    return new GitHubCommentError('forbidden', `Could not ${action}: ${said}. ${forbiddenHint}`, status);
  }
  if (status === 404) {
    return new GitHubCommentError(
      'not-found',
      `Could not ${action}: ${said}. Check the repository, the pull request and the token's access.`,
      status,
    );
  }
  if (status === 429) return new GitHubCommentError('rate-limited', `Could not ${action}: ${said}.`, status);
  if (status >= 500) {
    return new GitHubCommentError(
      'unavailable',
      `Could not ${action}: ${said} (GitHub unavailable, retries exhausted).`,
      status,
    );
  }
  return new GitHubCommentError('rejected', `Could not ${action}: ${said}.`, status);
}

/** Runs `work`, turning any failure into a GitHubCommentError; `forbiddenHint` says which permission a 403 lacks. */
export async function attempt<T>(
  action: string,
  work: () => Promise<T>,
  forbiddenHint = PULL_REQUEST_PERMISSION,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toCommentError(error, action, forbiddenHint);
  }
}

/** The login whose comments are ours: see the note at the top of this file. */
export async function tokenLogin(octokit: Client, authorLogin?: string): Promise<string> {
  if (authorLogin) return authorLogin;
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (status === 403 || status === 404) return INSTALLATION_BOT_LOGIN;
    throw error;
  }
}

export const sameLogin = (a: string | undefined, b: string): boolean => a?.toLowerCase() === b.toLowerCase();

async function listComments(octokit: Client, args: CommentArgs): Promise<ApiComment[]> {
  return await octokit.paginate(octokit.rest.issues.listComments, {
    owner: args.owner,
    repo: args.repo,
    issue_number: args.issueNumber,
    per_page: 100,
  });
}

/** Our comments for the target, oldest first (comment ids grow with time). */
function oursFor(
  comments: ApiComment[],
  login: string,
  target: string,
): (ApiComment & { metadata: CommentMetadata })[] {
  const ours: (ApiComment & { metadata: CommentMetadata })[] = [];
  for (const c of comments) {
    if (!sameLogin(c.user?.login, login)) continue;
    const metadata = parseCommentMetadata(c.body ?? '');
    if (metadata?.target === target) ours.push({ ...c, metadata });
  }
  return ours.sort((a, b) => a.id - b.id);
}

async function deleteComments(octokit: Client, args: CommentArgs, ids: number[]): Promise<void> {
  for (const id of ids) {
    try {
      await octokit.rest.issues.deleteComment({ owner: args.owner, repo: args.repo, comment_id: id });
    } catch (error) {
      // Another run cleaning up the same duplicates got there first.
      if ((error as { status?: unknown }).status !== 404) throw error;
    }
  }
}

async function updateBody(octokit: Client, args: CommentArgs, comment: ApiComment, body: string): Promise<void> {
  if (comment.body === body) return;
  await octokit.rest.issues.updateComment({ owner: args.owner, repo: args.repo, comment_id: comment.id, body });
}

/**
 * Creates or updates the one comment of this target. Two runs racing may both create one: after creating, the
 * comments are listed again, the oldest is kept (with this run's body) and every newer one of ours is deleted.
 */
export async function upsertPlanComment(
  args: CommentArgs & { body: string },
): Promise<{ url: string; id: number; created: boolean }> {
  return attempt(`post the plan comment on #${args.issueNumber}`, async () => {
    const octokit = client(args);
    const login = await tokenLogin(octokit, args.authorLogin);
    const existing = oursFor(await listComments(octokit, args), login, args.target);
    if (existing.length > 0) {
      const [keep, ...duplicates] = existing;
      await updateBody(octokit, args, keep!, args.body);
      await deleteComments(
        octokit,
        args,
        duplicates.map((c) => c.id),
      );
      return { url: keep!.html_url, id: keep!.id, created: false };
    }
    const { data: created } = await octokit.rest.issues.createComment({
      owner: args.owner,
      repo: args.repo,
      issue_number: args.issueNumber,
      body: args.body,
    });
    const author = created.user?.login ?? login;
    const [oldest, ...newer] = oursFor(await listComments(octokit, args), author, args.target);
    if (!oldest || oldest.id === created.id) {
      await deleteComments(
        octokit,
        args,
        newer.map((c) => c.id),
      );
      return { url: created.html_url, id: created.id, created: true };
    }
    // Another run created one first: ours (and any other late one) goes, the first one takes this run's body.
    await deleteComments(
      octokit,
      args,
      [...newer.map((c) => c.id), created.id].filter((id, i, all) => all.indexOf(id) === i),
    );
    await updateBody(octokit, args, oldest, args.body);
    return { url: oldest.html_url, id: oldest.id, created: false };
  });
}

/** Our comment of this target (the oldest if several), for the apply's reviewed-plan check; null when none. */
export async function findPlanComment(args: CommentArgs): Promise<FoundComment | null> {
  return attempt(`read the plan comments of #${args.issueNumber}`, async () => {
    const octokit = client(args);
    const login = await tokenLogin(octokit, args.authorLogin);
    const [found] = oursFor(await listComments(octokit, args), login, args.target);
    return found ? { id: found.id, url: found.html_url, body: found.body ?? '', metadata: found.metadata } : null;
  });
}

/** Marks a plan comment applied or failed after the apply on main, with the run's link; returns its URL. */
export async function updateCommentStatus(
  args: RepositoryArgs & { commentId: number } & ApplyStatus,
): Promise<{ url: string; id: number }> {
  return attempt(`update the status of plan comment ${args.commentId}`, async () => {
    const octokit = client(args);
    const { data } = await octokit.rest.issues.getComment({
      owner: args.owner,
      repo: args.repo,
      comment_id: args.commentId,
    });
    if (!parseCommentMetadata(data.body ?? '')) {
      throw new GitHubCommentError('not-found', `Comment ${args.commentId} is not a flux-bootstrap plan comment.`);
    }
    const body = withApplyStatus(data.body ?? '', args);
    const { data: updated } = await octokit.rest.issues.updateComment({
      owner: args.owner,
      repo: args.repo,
      comment_id: args.commentId,
      body,
    });
    return { url: updated.html_url, id: updated.id };
  });
}

interface ApiPull {
  number: number;
  html_url: string;
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  head?: { sha?: string } | null;
}

export interface MergedPullRequest {
  number: number;
  url: string;
  /** The pull request's head commit when merged: what its last plan comment was made for. */
  headSha?: string;
}

/** The pull request whose merge produced `sha` (merge, squash or rebase), or null for a direct push. */
export async function findMergedPullRequest(args: RepositoryArgs & { sha: string }): Promise<MergedPullRequest | null> {
  return attempt(`find the pull request merged as ${args.sha.slice(0, 12)}`, async () => {
    const octokit = client(args);
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner: args.owner,
      repo: args.repo,
      commit_sha: args.sha,
    });
    for (const listed of data as ApiPull[]) {
      // The list's entries usually carry merge fields; when not, the pull request itself does.
      const pull =
        listed.merged_at === undefined || listed.merge_commit_sha === undefined
          ? ((await octokit.rest.pulls.get({ owner: args.owner, repo: args.repo, pull_number: listed.number }))
              .data as ApiPull)
          : listed;
      if (pull.merged_at && pull.merge_commit_sha === args.sha) {
        const headSha = pull.head?.sha;
        return { number: pull.number, url: pull.html_url, ...(headSha ? { headSha } : {}) };
      }
    }
    return null;
  });
}
