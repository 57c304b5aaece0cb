// What the run is about, read once from the runner's environment and event payload: the event, the ref, the
// commit, the pull request and the run's own URL. Everything downstream receives this, never the raw environment.
import * as github from '@actions/github';

export interface RunContext {
  eventName: string;
  ref: string;
  sha: string;
  /** The commit the plan is for: the PR head on pull_request events, else the pushed commit. */
  headSha: string;
  owner: string;
  repo: string;
  repository: string;
  pullRequest?: { number: number; headRepository?: string };
  /** The workflow run's page; '' where there is no run to link (a local run has no GITHUB_RUN_ID). */
  runUrl: string;
  apiUrl: string;
  workspace: string;
}

interface PullRequestPayload {
  number?: number;
  head?: { sha?: string; repo?: { full_name?: string } };
}

/**
 * The run's page, or '' without a run id or a repository to put in it. GITHUB_RUN_ID is read here, not from
 * github.context, which turns an unset one into NaN (…/actions/runs/NaN on a local run).
 */
function runUrl(serverUrl: string, repository: string, runId: string | undefined): string {
  if (!/^[1-9][0-9]*$/.test(runId ?? '') || !/^[^/\s]+\/[^/\s]+$/.test(repository)) return '';
  return `${serverUrl}/${repository}/actions/runs/${runId}`;
}

export function readRunContext(): RunContext {
  const ctx = github.context;
  const pr = ctx.payload.pull_request as PullRequestPayload | undefined;
  const repository = process.env.GITHUB_REPOSITORY ?? '';
  const [owner = '', repo = ''] = repository.split('/');
  return {
    eventName: ctx.eventName,
    ref: ctx.ref,
    sha: ctx.sha,
    headSha: pr?.head?.sha ?? ctx.sha,
    owner,
    repo,
    repository,
    pullRequest: pr?.number ? { number: pr.number, headRepository: pr.head?.repo?.full_name } : undefined,
    runUrl: runUrl(ctx.serverUrl, repository, process.env.GITHUB_RUN_ID),
    apiUrl: ctx.apiUrl,
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
  };
}
