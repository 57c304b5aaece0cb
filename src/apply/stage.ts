// The gate → apply → health sequence, called by main.ts after the plan and the report. It decides with the pure
// gate, checks the reviewed plan only when the other gates could allow the apply, applies the saved plan, reads the
// outputs, updates the PR comment's status and waits for Flux. A run that was asked to apply but has no changes
// waits for Flux too (a re-run after a failed health wait must not go green on "nothing to apply"). It never throws
// for an expected failure: it returns the outputs, the summary section and the messages that fail the run.
import * as core from '@actions/core';
import type { RunContext } from '../context.js';
import type { BackendInfo } from '../gate/backend.js';
import {
  checksHealthWithoutChanges,
  decideApply,
  refusalFailsRun,
  shouldCheckReviewedPlan,
  type ApplyDecision,
  type PlanExitCode,
} from '../gate/decision.js';
import { renderGateSection } from '../gate/render.js';
import { checkClusterAccess } from '../access/check.js';
import { renderAccessSection, unreachableDecision, type AccessDecision } from '../access/decision.js';
import { kubeClientFromFile, type KubeClient } from '../kube/client.js';
import { withoutTofuVariables } from '../process.js';
import { renderHealthSection } from '../health/render.js';
import { waitForFlux, type HealthReport } from '../health/wait.js';
import type { ActionInputs } from '../inputs/schema.js';
import { annotateDiagnostics } from '../plan/annotate.js';
import { checkReviewedPlan, markReviewedComment, type ReviewCheckRequest } from '../review/check.js';
import { notChecked, type ReviewVerdict } from '../review/compare.js';
import type { InputHashes } from '../review/inputs.js';
import { applySavedPlan, readFluxOutputs, type ApplyResult } from './apply.js';
import { fluxActionOutputs, SHIPPED_OBJECT_NAME, tfvarsFluxOutputs, type FluxOutputs } from './outputs.js';

export type ApplyStageInputs = Pick<
  ActionInputs,
  | 'acceptApply'
  | 'kubeconfig'
  | 'allowLocalState'
  | 'requireReviewedPlan'
  | 'healthTimeoutSeconds'
  | 'githubToken'
  | 'fluxNamespace'
  | 'install'
> &
  Partial<Pick<ActionInputs, 'workingDirectory'>>;

export interface ApplyStageRequest {
  context: RunContext;
  inputs: ApplyStageInputs;
  /** Where the state lives, as `tofu init` recorded it (detectBackend). */
  backend: BackendInfo;
  plan: { exitCode: PlanExitCode; planFile?: string };
  /** planFingerprint of this run's plan JSON; null when there is no plan. */
  planHash: string | null;
  /** The plan in words ("1 to add, 0 to change, 0 to destroy"), shown next to a mismatching fingerprint. */
  planDescription?: string;
  /** effectiveInputHashes of this run's inputs: a mismatch with the reviewed plan names the inputs that differ. */
  inputHashes?: InputHashes;
  policyPassed: boolean;
  /** The comment target (same as the PR runs use). */
  target: string;
  tofu: string;
  workingDirectory: string;
  env: NodeJS.ProcessEnv;
  kubeconfigPath?: string;
  /** Tests shorten the health poll interval. */
  healthPollIntervalMs?: number;
}

export interface ApplyStageResult {
  decision: ApplyDecision;
  review: ReviewVerdict;
  /** The check before apply; absent when the gate refused. */
  access?: AccessDecision;
  apply?: ApplyResult;
  health?: HealthReport;
  /**
   * applied and apply-skipped-reason; flux-namespace, git-repository-name and kustomization-name only where the stage
   * knows them better than the plan's planned outputs (report/outputs.ts sets those on every run with a plan): from
   * the state after an apply or a health check, or from the tfvars when there is no plan.
   */
  outputs: Record<string, string>;
  /** Markdown for the job summary. */
  summary: string;
  /** Fail the run with these (runFailure's applyError / healthError). A refusal of a requested apply is an applyError. */
  applyError?: string;
  healthError?: string;
}

function reviewRequest(request: ApplyStageRequest): ReviewCheckRequest & { runUrl: string } {
  const { context } = request;
  return {
    token: request.inputs.githubToken,
    apiUrl: context.apiUrl,
    owner: context.owner,
    repo: context.repo,
    sha: context.sha,
    runUrl: context.runUrl,
    target: request.target,
    currentHash: request.planHash ?? '',
    currentDescription: request.planDescription,
    currentInputs: request.inputHashes,
  };
}

async function reviewFor(
  request: ApplyStageRequest,
  facts: Parameters<typeof shouldCheckReviewedPlan>[0],
): Promise<ReviewVerdict> {
  if (!shouldCheckReviewedPlan(facts)) return notChecked('checked only when the other conditions allow an apply');
  if (request.planHash === null) return notChecked('this run has no plan fingerprint');
  return checkReviewedPlan(reviewRequest(request));
}

export async function runApplyStage(request: ApplyStageRequest): Promise<ApplyStageResult> {
  const { context, inputs } = request;
  const { backend } = request;
  const facts = {
    eventName: context.eventName,
    ref: context.ref,
    repository: context.repository,
    headRepository: context.pullRequest?.headRepository,
    acceptApply: inputs.acceptApply,
    kubeconfigPresent: (inputs.kubeconfig ?? '').trim() !== '',
    planExitCode: request.plan.exitCode,
    policyPassed: request.policyPassed,
    backend: backend.backend,
    allowLocalState: inputs.allowLocalState,
    requireReviewedPlan: inputs.requireReviewedPlan,
  };
  const review = await reviewFor(request, facts);
  const gateFacts = {
    ...facts,
    reviewedPlan: review.status,
    reviewDetail: review.status === 'match' || review.status === 'not-from-pr' ? undefined : review.message,
  };
  const decision = decideApply(gateFacts);
  const sections = [renderGateSection(decision, review, backend)];
  core.info(decision.summary);
  for (const reason of decision.reasons) core.info(`  - ${reason}`);
  if (!decision.apply) {
    const outputs: Record<string, string> = {
      applied: 'false',
      'apply-skipped-reason': decision.reasons.join(' '),
      // Without a plan there are no planned outputs: the tfvars say what the configuration names.
      ...(request.plan.exitCode === 1 ? fluxActionOutputs(tfvarsFluxOutputs(inputs)) : {}),
    };
    const applyError = refusalFailsRun(gateFacts, decision)
      ? `${decision.summary} ${decision.reasons.join(' ')}`
      : undefined;
    if (!checksHealthWithoutChanges(gateFacts) || !inputs.install) {
      return { decision, review, outputs, summary: sections.join('\n'), applyError };
    }
    // Asked to apply, nothing to change: Flux is still checked, so that the run goes green only when it is Ready.
    core.info("Nothing to apply; checking Flux's health, since this run was asked to apply.");
    sections.push(
      "### Apply\n\nNothing to apply: the plan has no changes. Flux's health is checked anyway, as on every run that " +
        'may apply, so a re-run after a failed health wait goes green only once Flux is Ready.\n',
    );
    const flux = await readOutputs(request);
    Object.assign(outputs, knownOutputs(flux));
    const health = await waitForHealth(request, flux);
    sections.push(renderHealthSection(health));
    const healthError = health.outcome === 'ready' ? undefined : health.message;
    return { decision, review, health, outputs, summary: sections.join('\n'), applyError, healthError };
  }

  // The check before apply: the same kubeconfig, the same client as the health wait after it.
  const opened = await openClient(request);
  const access =
    'error' in opened
      ? unreachableDecision(opened.error)
      : await checkClusterAccess(opened.client, accessTarget(request));
  sections.push(renderAccessSection(access));
  core.info(access.summary);
  for (const reason of access.reasons) core.info(`  - ${reason}`);
  if (!access.ok || 'error' in opened) {
    if ('client' in opened) opened.client.close();
    const reason = `${access.summary} ${access.reasons.join(' ')}`;
    // Reviewers see on the pull request that their plan was not applied; the reasons stay in the run's log.
    await markReviewedComment(reviewRequest(request), review, 'not-applied', access.summary);
    const outputs = { applied: 'false', 'apply-skipped-reason': reason };
    return { decision, review, access, outputs, summary: sections.join('\n'), applyError: reason };
  }
  const client = opened.client;
  try {
    return await applyAndWait(request, { decision, review, access, sections, client });
  } finally {
    client.close();
  }
}

function accessTarget(request: ApplyStageRequest): { namespace: string; install: boolean } {
  return { namespace: request.inputs.fluxNamespace, install: request.inputs.install };
}

interface Checked {
  decision: ApplyDecision;
  review: ReviewVerdict;
  access: AccessDecision;
  sections: string[];
  client: KubeClient;
}

async function applyAndWait(request: ApplyStageRequest, checked: Checked): Promise<ApplyStageResult> {
  const { context, inputs } = request;
  const { decision, review, access, sections, client } = checked;
  const apply = await applySavedPlan({
    tofu: request.tofu,
    workingDirectory: request.workingDirectory,
    planFile: request.plan.planFile ?? '',
    env: request.env,
  });
  annotateDiagnostics(apply.diagnostics, request.workingDirectory, context.workspace);
  // No detail from tofu's output on the public comment: the run link carries it, where the runner masks secrets.
  await markReviewedComment(reviewRequest(request), review, apply.applied ? 'applied' : 'apply-failed');
  if (!apply.applied) {
    sections.push(`### Apply\n\n**The apply failed.** See the log and the annotations.\n`);
    const outputs = { applied: 'false', 'apply-skipped-reason': '' };
    return { decision, review, access, apply, outputs, summary: sections.join('\n'), applyError: apply.error };
  }

  const flux = await readOutputs(request);
  const outputs = { applied: 'true', 'apply-skipped-reason': '', ...knownOutputs(flux) };
  sections.push("### Apply\n\n**Applied this run's saved plan.**\n");
  if (!inputs.install) {
    sections.push('### Flux health\n\nNot checked: `install: false` removes Flux.\n');
    return { decision, review, access, apply, outputs, summary: sections.join('\n') };
  }
  const health = await waitForHealth(request, flux, client);
  sections.push(renderHealthSection(health));
  const healthError = health.outcome === 'ready' ? undefined : health.message;
  return { decision, review, access, apply, health, outputs, summary: sections.join('\n'), healthError };
}

/** The action outputs of the values that are known: an output the configuration lacks keeps the planned value. */
function knownOutputs(flux: FluxOutputs): Record<string, string> {
  return Object.fromEntries(Object.entries(fluxActionOutputs(flux)).filter(([, value]) => value !== ''));
}

async function readOutputs(request: ApplyStageRequest): Promise<FluxOutputs> {
  try {
    return await readFluxOutputs({ tofu: request.tofu, workingDirectory: request.workingDirectory, env: request.env });
  } catch (error) {
    core.warning(`Could not read the configuration's outputs: ${(error as Error).message}`);
    return {};
  }
}

type Opened = { client: KubeClient } | { error: string };

async function openClient(request: ApplyStageRequest): Promise<Opened> {
  if (!request.kubeconfigPath) return { error: 'no kubeconfig file to reach the cluster with.' };
  try {
    return { client: await kubeClientFromFile(request.kubeconfigPath, withoutTofuVariables(request.env)) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function waitForHealth(request: ApplyStageRequest, flux: FluxOutputs, given?: KubeClient): Promise<HealthReport> {
  let client = given;
  if (!client) {
    const opened = await openClient(request);
    if ('error' in opened) return { outcome: 'failed', message: `Health check: ${opened.error}`, polls: 0 };
    client = opened.client;
  }
  try {
    return await waitForFlux(
      client,
      {
        // The configuration's outputs name the objects; the inputs' defaults stand in for a configuration without them.
        namespace: flux.fluxNamespace ?? request.inputs.fluxNamespace,
        gitRepositoryName: flux.gitRepositoryName ?? SHIPPED_OBJECT_NAME,
        kustomizationName: flux.kustomizationName ?? SHIPPED_OBJECT_NAME,
      },
      {
        timeoutSeconds: request.inputs.healthTimeoutSeconds,
        pollIntervalMs: request.healthPollIntervalMs,
        log: core.info,
      },
    );
  } finally {
    if (!given) client.close();
  }
}
