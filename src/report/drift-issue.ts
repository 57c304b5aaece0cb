// The drift stage's edge: the `drift` output, the job summary's drift section, and with `drift-issue: true` the one
// open issue per target, found by the hidden marker of src/report/drift.ts, opened or updated while drift lasts
// and closed once a plan of main has no changes. It goes through the same GitHub client as the PR comment
// (github.ts: retries, rate limits) and edits only issues the token's own identity wrote.
//
// An issue that cannot be written (no `issues: write`, no token, an outage) never fails the run: drift is reported
// by the output and the job summary all the same, and the warning says what to grant. A run that does not measure
// drift (src/report/drift.ts) leaves the issue alone, so a pull request or a failed plan never closes it.
import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import type { ActionInputs } from '../inputs/schema.js';
import type { PlanSummary } from '../plan/summary.js';
import {
  decideDrift,
  describeIssueAction,
  driftIssueTitle,
  driftOutput,
  parseDriftIssueMetadata,
  renderDriftIssue,
  renderDriftResolved,
  renderDriftSection,
  type DriftIssueMetadata,
  type DriftReport,
} from './drift.js';
import {
  attempt,
  client,
  GitHubCommentError,
  sameLogin,
  tokenLogin,
  type Client,
  type RepositoryArgs,
} from './github.js';
import { secretScrubber } from './scrub.js';

const ISSUES_PERMISSION = 'Give the job `permissions: issues: write` for `drift-issue: true`.';

export interface DriftIssueArgs extends RepositoryArgs {
  target: string;
}

export type DriftIssueAction = 'opened' | 'updated' | 'unchanged' | 'closed' | 'none';

export interface DriftIssueResult {
  action: DriftIssueAction;
  issue?: { number: number; url: string };
}

interface ApiIssue {
  number: number;
  html_url: string;
  title?: string;
  body?: string | null;
  user?: { login: string } | null;
  pull_request?: unknown;
}

type OurIssue = ApiIssue & { metadata: DriftIssueMetadata };

/** Our open drift issues of the target, oldest first. The issues list includes pull requests: they are skipped. */
async function openIssuesOf(octokit: Client, args: DriftIssueArgs, login: string): Promise<OurIssue[]> {
  const issues = (await octokit.paginate(octokit.rest.issues.listForRepo, {
    owner: args.owner,
    repo: args.repo,
    state: 'open',
    per_page: 100,
  })) as ApiIssue[];
  const ours: OurIssue[] = [];
  for (const issue of issues) {
    if (issue.pull_request || !sameLogin(issue.user?.login, login)) continue;
    const metadata = parseDriftIssueMetadata(issue.body ?? '');
    if (metadata?.target === args.target) ours.push({ ...issue, metadata });
  }
  return ours.sort((a, b) => a.number - b.number);
}

async function closeIssue(
  octokit: Client,
  args: DriftIssueArgs,
  issue: ApiIssue,
  reason: 'completed' | 'not_planned',
  body?: string,
): Promise<void> {
  await octokit.rest.issues.update({
    owner: args.owner,
    repo: args.repo,
    issue_number: issue.number,
    state: 'closed',
    state_reason: reason,
    ...(body !== undefined && body !== issue.body ? { body } : {}),
  });
}

const link = (issue: ApiIssue): { number: number; url: string } => ({ number: issue.number, url: issue.html_url });

/**
 * Opens the target's drift issue, or updates the open one. Two runs racing may both open one: after creating, the
 * issues are listed again, the oldest stays open with this run's body and every newer one of ours is closed.
 */
export async function upsertDriftIssue(
  args: DriftIssueArgs & { title: string; body: string },
): Promise<DriftIssueResult> {
  return attempt(
    `open or update the drift issue of ${args.target}`,
    async () => {
      const octokit = client(args);
      const login = await tokenLogin(octokit, args.authorLogin);
      const [keep, ...duplicates] = await openIssuesOf(octokit, args, login);
      if (keep) {
        for (const duplicate of duplicates) await closeIssue(octokit, args, duplicate, 'not_planned');
        if (keep.body === args.body && keep.title === args.title) return { action: 'unchanged', issue: link(keep) };
        await octokit.rest.issues.update({
          owner: args.owner,
          repo: args.repo,
          issue_number: keep.number,
          title: args.title,
          body: args.body,
        });
        return { action: 'updated', issue: link(keep) };
      }
      const { data: created } = await octokit.rest.issues.create({
        owner: args.owner,
        repo: args.repo,
        title: args.title,
        body: args.body,
      });
      const [oldest, ...newer] = await openIssuesOf(octokit, args, created.user?.login ?? login);
      for (const other of newer) await closeIssue(octokit, args, other, 'not_planned');
      if (!oldest || oldest.number === created.number) return { action: 'opened', issue: link(created) };
      // Another run opened one first: it takes this run's body.
      if (oldest.body !== args.body) {
        await octokit.rest.issues.update({
          owner: args.owner,
          repo: args.repo,
          issue_number: oldest.number,
          body: args.body,
        });
      }
      return { action: 'updated', issue: link(oldest) };
    },
    ISSUES_PERMISSION,
  );
}

/** Closes the target's open drift issue(s) as completed, each body rewritten by `resolved`; 'none' when none is open. */
export async function closeDriftIssue(
  args: DriftIssueArgs & { resolved: (previousBody: string) => string },
): Promise<DriftIssueResult> {
  return attempt(
    `close the drift issue of ${args.target}`,
    async () => {
      const octokit = client(args);
      const login = await tokenLogin(octokit, args.authorLogin);
      const open = await openIssuesOf(octokit, args, login);
      for (const issue of open) await closeIssue(octokit, args, issue, 'completed', args.resolved(issue.body ?? ''));
      return open[0] ? { action: 'closed', issue: link(open[0]) } : { action: 'none' };
    },
    ISSUES_PERMISSION,
  );
}

export interface DriftStageRequest {
  context: RunContext;
  inputs: Pick<ActionInputs, 'driftIssue' | 'githubToken'>;
  target: string;
  planExitCode: 0 | 1 | 2;
  summary?: PlanSummary;
  /** Whether the gate applied this run's plan. */
  applies: boolean;
  secrets: string[];
}

export interface DriftStageResult {
  outputs: Record<string, string>;
  /** Markdown for the job summary; '' when the run does not measure drift. */
  summary: string;
}

async function syncIssue(request: DriftStageRequest, drifted: boolean, report: DriftReport): Promise<string> {
  const { context, inputs, secrets } = request;
  if (!inputs.driftIssue) return '';
  if (!inputs.githubToken) {
    core.warning("No drift issue: no github-token: pass 'github-token' (the default is github.token).");
    return 'No drift issue: the `github-token` input is empty.';
  }
  const args = {
    token: inputs.githubToken,
    apiUrl: context.apiUrl,
    owner: context.owner,
    repo: context.repo,
    target: report.target,
  };
  try {
    const result = drifted
      ? await upsertDriftIssue({
          ...args,
          title: driftIssueTitle(report.target),
          body: renderDriftIssue(report, secrets),
        })
      : await closeDriftIssue({ ...args, resolved: (previous) => renderDriftResolved(previous, report, secrets) });
    const line = describeIssueAction(result.action, result.issue);
    core.info(line);
    return line;
  } catch (error) {
    if (!(error instanceof GitHubCommentError)) throw error;
    core.warning(`No drift issue: ${error.message} The job summary has the drift report.`);
    return `The drift issue could not be ${drifted ? 'opened or updated' : 'closed'}: ${error.message}`;
  }
}

/** Measures drift (or says why not), reports it, and keeps the drift issue in step when asked to. */
export async function runDriftStage(request: DriftStageRequest): Promise<DriftStageResult> {
  const { context } = request;
  const verdict = decideDrift({
    eventName: context.eventName,
    ref: context.ref,
    planExitCode: request.planExitCode,
    applies: request.applies,
  });
  const outputs = { drift: driftOutput(verdict) };
  if (!verdict.measured) {
    core.info(
      `Drift not measured: ${verdict.why}.${request.inputs.driftIssue ? ' The drift issue is left as it is.' : ''}`,
    );
    return { outputs, summary: '' };
  }
  const target = secretScrubber(request.secrets)(request.target);
  const report: DriftReport = { target, headSha: context.sha, runUrl: context.runUrl, summary: request.summary };
  if (verdict.drifted) core.warning(`Drift on ${target}: the plan of main has changes; the cluster differs from main.`);
  else core.info(`No drift on ${target}: the plan of main has no changes.`);
  const issueLine = await syncIssue(request, verdict.drifted, report);
  return { outputs, summary: renderDriftSection(verdict, report, issueLine, request.secrets) };
}
