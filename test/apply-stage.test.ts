// The gate → apply → health stage in process, with everything real but the two APIs: the real tofu applies a
// terraform_data root, the GitHub API stand-in serves the merged pull request and its plan comment, the Kubernetes
// API stand-in serves Flux's objects over HTTPS.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runApplyStage, type ApplyStageRequest } from '../src/apply/stage.js';
import { detectBackend } from '../src/gate/backend.js';
import type { RunContext } from '../src/context.js';
import { planFingerprint } from '../src/plan/fingerprint.js';
import { metadataMarker, parseCommentMetadata } from '../src/report/comment.js';
import { GITHUB_ACTIONS_BOT, GitHubApiStandIn } from './support/github-api.js';
import {
  kubeconfigFor,
  startKubeApi,
  type KubeApi,
  READY_REVISION,
  kustomizationReady,
  sourceReady,
} from './support/kube-api.js';
import { tools } from './support/tools.js';

const exec = promisify(execFile);
const env = { ...process.env, TF_IN_AUTOMATION: '1' };
const OWNER = 'wildside';
const REPO = 'infra';
const REV = READY_REVISION;

const ROOT = `
resource "terraform_data" "git_repository" {
  input = "https://git.example/fleet"
}
output "flux_namespace" {
  value = "flux-system"
}
output "git_repository_name" {
  value = "flux-system"
}
output "kustomization_name" {
  value = "apps"
}
`;

let github: GitHubApiStandIn;
let kube: KubeApi;
let token: string;
beforeAll(async () => {
  [github, kube] = await Promise.all([GitHubApiStandIn.start(), startKubeApi()]);
  token = github.installationToken();
});
afterAll(async () => {
  await Promise.all([github.close(), kube.close()]);
});

let pullNumber = 500;

/** A planned root, a merged PR whose comment records `reviewedHash` (or this plan's hash), and the stage request. */
async function setUp(
  options: { backendBlock?: string; reviewedHash?: string; reviewedInputs?: Record<string, string> } = {},
): Promise<{
  request: ApplyStageRequest;
  dir: string;
  commentId: number;
  pull: number;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flux-stage-'));
  await fs.writeFile(path.join(dir, 'main.tf'), `${options.backendBlock ?? ''}${ROOT}`);
  await exec(tools.tofu, ['init', '-input=false', '-no-color'], { cwd: dir, env });
  const planFile = path.join(dir, 'tfplan');
  await exec(tools.tofu, ['plan', '-input=false', '-no-color', `-out=${planFile}`], { cwd: dir, env });
  const { stdout } = await exec(tools.tofu, ['show', '-json', planFile], { cwd: dir, env, maxBuffer: 1 << 24 });
  const planHash = planFingerprint(JSON.parse(stdout));

  const number = ++pullNumber;
  const sha = `${'c0ffee'.padEnd(37, '0')}${number}`;
  github.addPull({
    owner: OWNER,
    repo: REPO,
    number,
    merged_at: '2026-01-02T00:00:00Z',
    merge_commit_sha: sha,
    commits: [],
  });
  const marker = metadataMarker({
    version: 1,
    target: 'config',
    headSha: 'beef',
    planHash: options.reviewedHash ?? planHash,
    ...(options.reviewedInputs ? { inputs: options.reviewedInputs } : {}),
  });
  const commentId = github.seedComment(OWNER, REPO, number, `${marker}\n\nplan`, GITHUB_ACTIONS_BOT).id;

  const kubeconfigPath = path.join(dir, 'kubeconfig');
  await fs.writeFile(kubeconfigPath, await kubeconfigFor(kube, { auth: 'token', trust: 'ca-data', dir }), {
    mode: 0o600,
  });
  const context: RunContext = {
    eventName: 'push',
    ref: 'refs/heads/main',
    sha,
    headSha: sha,
    owner: OWNER,
    repo: REPO,
    repository: `${OWNER}/${REPO}`,
    runUrl: `https://github.example/${OWNER}/${REPO}/actions/runs/77`,
    apiUrl: github.url,
    workspace: dir,
  };
  const request: ApplyStageRequest = {
    context,
    inputs: {
      acceptApply: true,
      kubeconfig: 'present',
      allowLocalState: true,
      requireReviewedPlan: true,
      healthTimeoutSeconds: 10,
      githubToken: token,
      fluxNamespace: 'flux-system',
      install: true,
    },
    backend: await detectBackend(dir, env),
    plan: { exitCode: 2, planFile },
    planHash,
    planDescription: '1 to add, 0 to change, 0 to destroy',
    policyPassed: true,
    target: 'config',
    tofu: tools.tofu,
    workingDirectory: dir,
    env,
    kubeconfigPath,
    healthPollIntervalMs: 20,
  };
  return { request, dir, commentId, pull: number };
}

const commentStatus = (pull: number, commentId: number): string | undefined =>
  parseCommentMetadata(github.comments(OWNER, REPO, pull).find((c) => c.id === commentId)?.body ?? '')?.status;

/** Applies the request's plan through the stage, then plans again: the run that follows has no changes. */
async function appliedThenReplanned(request: ApplyStageRequest): Promise<ApplyStageRequest> {
  kube.script('GitRepository', 'flux-system', 'flux-system', [sourceReady]);
  kube.script('Kustomization', 'flux-system', 'apps', [kustomizationReady]);
  expect((await runApplyStage(request)).apply?.applied).toBe(true);
  const dir = request.workingDirectory;
  const planFile = path.join(dir, 'tfplan-again');
  const code = await exec(tools.tofu, ['plan', '-input=false', '-no-color', '-detailed-exitcode', `-out=${planFile}`], {
    cwd: dir,
    env,
  }).then(
    () => 0,
    (error: { code: number }) => error.code,
  );
  expect(code).toBe(0);
  const { stdout } = await exec(tools.tofu, ['show', '-json', planFile], { cwd: dir, env, maxBuffer: 1 << 24 });
  return {
    ...request,
    plan: { exitCode: 0, planFile },
    planHash: planFingerprint(JSON.parse(stdout)),
    planDescription: '0 to add, 0 to change, 0 to destroy',
  };
}

describe('runApplyStage', () => {
  it('applies the reviewed plan, reads the outputs, marks the comment applied and waits for Flux', async () => {
    const { request, dir, commentId, pull } = await setUp();
    kube.script('GitRepository', 'flux-system', 'flux-system', [null, sourceReady]);
    kube.script('Kustomization', 'flux-system', 'apps', [null, kustomizationReady]);
    const result = await runApplyStage(request);
    expect(result.decision.apply).toBe(true);
    expect(result.review.status).toBe('match');
    expect(result.outputs).toEqual({
      applied: 'true',
      'apply-skipped-reason': '',
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'apps',
    });
    expect(result.applyError).toBeUndefined();
    expect(result.healthError).toBeUndefined();
    expect(result.health?.outcome).toBe('ready');
    expect(existsSync(path.join(dir, 'terraform.tfstate'))).toBe(true);
    expect(commentStatus(pull, commentId)).toBe('applied');
    expect(result.summary).toContain("**Applying this run's saved plan");
    expect(result.summary).toContain('**Flux is ready.**');
    expect(result.summary).toContain(`applied \`${REV}\``);
  });

  it('refuses a plan that differs from the reviewed one, linking the comment, and applies nothing', async () => {
    const { request, dir, commentId } = await setUp({ reviewedHash: 'f'.repeat(64) });
    const result = await runApplyStage(request);
    expect(result.decision.apply).toBe(false);
    expect(result.decision.missing).toEqual(['reviewed-plan']);
    expect(result.outputs.applied).toBe('false');
    expect(result.outputs['apply-skipped-reason']).toMatch(/^This run's plan differs from the plan reviewed/);
    expect(result.outputs['apply-skipped-reason']).toContain(`#issuecomment-${commentId}`);
    expect(result.applyError).toMatch(/^Not applying: missing the reviewed plan\. This run's plan differs/);
    expect(existsSync(path.join(dir, 'terraform.tfstate'))).toBe(false);
  });

  it('refuses local state unless allowed, naming the backend in the summary', async () => {
    const { request, dir } = await setUp({ backendBlock: 'terraform {\n  backend "local" {}\n}\n' });
    expect(request.backend).toEqual({ backend: 'local', type: 'local' });
    const result = await runApplyStage({ ...request, inputs: { ...request.inputs, allowLocalState: false } });
    expect(result.decision.missing).toEqual(['remote-state']);
    expect(result.summary).toContain('State backend: `local` (local).');
    expect(existsSync(path.join(dir, 'terraform.tfstate'))).toBe(false);
  });

  it('fails the run with Flux’s reason when the Kustomization fails after the apply', async () => {
    const { request } = await setUp();
    kube.script('GitRepository', 'flux-system', 'flux-system', [sourceReady]);
    kube.script('Kustomization', 'flux-system', 'apps', [
      {
        ready: { status: 'False', reason: 'BuildFailed', message: 'kustomization path not found' },
        lastAttemptedRevision: REV,
      },
    ]);
    const result = await runApplyStage(request);
    expect(result.outputs.applied).toBe('true');
    expect(result.healthError).toBe(
      'Kustomization flux-system/apps is not ready: BuildFailed: kustomization path not found',
    );
    expect(result.summary).toContain('**Flux failed to reconcile.**');
  });

  it('checks Flux on a run that may apply although the plan has no changes: a re-run after a failed wait fails again', async () => {
    const { request } = await setUp();
    const rerun = await appliedThenReplanned(request);
    const failing = {
      ready: { status: 'False' as const, reason: 'BuildFailed', message: 'kustomization path not found' },
      lastAttemptedRevision: REV,
    };
    kube.script('Kustomization', 'flux-system', 'apps', [failing]);
    const before = kube.reads('Kustomization', 'flux-system', 'apps');
    const failed = await runApplyStage(rerun);
    expect(failed.decision.apply).toBe(false);
    expect(failed.decision.missing).toEqual(['plan-changes', 'reviewed-plan']);
    expect(kube.reads('Kustomization', 'flux-system', 'apps')).toBeGreaterThan(before);
    expect(failed.health?.outcome).toBe('failed');
    expect(failed.healthError).toBe(
      'Kustomization flux-system/apps is not ready: BuildFailed: kustomization path not found',
    );
    expect(failed.applyError).toBeUndefined();
    expect(failed.outputs).toEqual({
      applied: 'false',
      'apply-skipped-reason': expect.stringMatching(/^The plan has no changes: there is nothing to apply\. /) as string,
      // From the state the earlier apply left: what the configuration says the objects are.
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'apps',
    });
    expect(failed.summary).toContain('Nothing to apply: the plan has no changes.');
    expect(failed.summary).toContain('**Flux failed to reconcile.**');

    kube.script('Kustomization', 'flux-system', 'apps', [kustomizationReady]);
    const fixed = await runApplyStage(rerun);
    expect(fixed.health?.outcome).toBe('ready');
    expect(fixed.healthError).toBeUndefined();
    expect(fixed.summary).toContain('**Flux is ready.**');
  });

  it('does not check Flux on a run that may not apply, or that removes Flux', async () => {
    const { request } = await setUp();
    const rerun = await appliedThenReplanned(request);
    const reads = (): number => kube.reads('Kustomization', 'flux-system', 'apps');
    const before = reads();
    for (const variant of [
      { ...rerun, inputs: { ...rerun.inputs, acceptApply: false } },
      { ...rerun, context: { ...rerun.context, eventName: 'pull_request', ref: 'refs/pull/3/merge' } },
      { ...rerun, context: { ...rerun.context, ref: 'refs/heads/feature' } },
      { ...rerun, inputs: { ...rerun.inputs, install: false } },
    ]) {
      const result = await runApplyStage(variant);
      expect(result.health).toBeUndefined();
      expect(result.healthError).toBeUndefined();
    }
    expect(reads()).toBe(before);
  });

  it('names the input that differs when the apply job’s inputs are not the reviewed plan’s', async () => {
    const reviewedInputs = { 'reconcile-interval': '1111111111111111', 'git-path': '2222222222222222' };
    const { request } = await setUp({ reviewedHash: 'f'.repeat(64), reviewedInputs });
    const result = await runApplyStage({
      ...request,
      inputHashes: { 'reconcile-interval': '3333333333333333', 'git-path': '2222222222222222' },
    });
    expect(result.decision.missing).toEqual(['reviewed-plan']);
    expect(result.outputs['apply-skipped-reason']).toContain(
      "This job's inputs differ from those the pull request's plan was made with: 'reconcile-interval'.",
    );
    expect(result.outputs['apply-skipped-reason']).not.toContain('outside OpenTofu');
  });

  it('sets the Flux outputs from the inputs when there is no plan to read them from', async () => {
    const { request } = await setUp();
    const failedPlan = await runApplyStage({ ...request, plan: { exitCode: 1 }, planHash: null });
    expect(failedPlan.outputs).toMatchObject({
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'flux-system',
    });
    const removal = await runApplyStage({
      ...request,
      inputs: { ...request.inputs, install: false },
      plan: { exitCode: 1 },
      planHash: null,
    });
    expect(removal.outputs).toMatchObject({
      'flux-namespace': '',
      'git-repository-name': '',
      'kustomization-name': '',
    });
    // With a plan, its planned outputs are the action's outputs (report/outputs.ts): the stage leaves them alone.
    const refused = await runApplyStage({ ...request, inputs: { ...request.inputs, acceptApply: false } });
    expect(Object.keys(refused.outputs)).toEqual(['applied', 'apply-skipped-reason']);
  });

  it('does not ask GitHub anything on a pull request, and lists every missing gate', async () => {
    const { request } = await setUp();
    const before = github.requests.length;
    const result = await runApplyStage({
      ...request,
      context: { ...request.context, eventName: 'pull_request', ref: 'refs/pull/3/merge' },
    });
    expect(github.requests.length).toBe(before);
    expect(result.review.status).toBe('not-checked');
    expect(result.decision.missing).toEqual(['event', 'ref', 'reviewed-plan']);
    expect(result.outputs.applied).toBe('false');
    expect(result.applyError).toBeUndefined();
  });
});
