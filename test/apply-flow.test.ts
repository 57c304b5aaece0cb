// dist/index.js on Node 24 with push events to main, end to end through the gate, the apply and the health wait:
// fixture roots with only terraform_data (real tofu apply, real state), the GitHub API stand-in serving the merged
// pull request and its plan comment, the Kubernetes API stand-in serving Flux's objects over HTTPS, then the post step.
//
// WAITING FOR WIRING: these run once src/main.ts calls runApplyStage (src/apply/stage.ts); until then the suite is
// skipped and says so in its name. From then on a bundle older than main.ts fails them, as it should.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFingerprint } from '../src/plan/fingerprint.js';
import { metadataMarker, parseCommentMetadata } from '../src/report/comment.js';
import { readTree, repoRoot, runAction, type ActionRun } from './support/action-runner.js';
import { GITHUB_ACTIONS_BOT, GitHubApiStandIn } from './support/github-api.js';
import {
  kubeconfigFor,
  startKubeApi,
  type KubeApi,
  type ObjectState,
  READY_REVISION,
  kustomizationReady,
  sourceReady,
} from './support/kube-api.js';
import { fixtureWorkspace, runPipeline, sharedToolCache } from './support/pipeline.js';
import { startReleaseMirror, type ReleaseMirror } from './support/release-mirror.js';

const mainTs = readFileSync(path.join(repoRoot, 'src', 'main.ts'), 'utf8');
const wired = mainTs.includes('runApplyStage(');
// Item 15 of issue 14: main.ts passes effectiveInputHashes(inputs) to the comment and to the apply stage.
const recordsInputs = mainTs.includes('effectiveInputHashes(');

const OWNER = 'wildside';
const REPO = 'infra';
const REV = READY_REVISION;

let mirror: ReleaseMirror;
let toolCache: string;
let github: GitHubApiStandIn;
let kube: KubeApi;
let githubToken: string;
let kubeconfig: string;

beforeAll(async () => {
  if (!wired) return;
  [mirror, github, kube] = await Promise.all([startReleaseMirror(), GitHubApiStandIn.start(), startKubeApi()]);
  toolCache = sharedToolCache();
  githubToken = github.installationToken();
  kubeconfig = await kubeconfigFor(kube, { auth: 'token', trust: 'ca-data', dir: kube.certs.dir });
  kube.script('GitRepository', 'flux-system', 'flux-system', [sourceReady]);
  kube.script('Kustomization', 'flux-system', 'flux-system', [kustomizationReady]);
});
afterAll(async () => {
  await Promise.all([mirror?.close(), github?.close(), kube?.close()]);
});

let shaCounter = 0;
const nextSha = (): string => `${(++shaCounter).toString(16).padStart(8, '0')}${'a'.repeat(32)}`;

function push(workspace: string, inputs: Record<string, string>, sha = nextSha(), home?: string): Promise<ActionRun> {
  return runPipeline({
    mirror,
    toolCache,
    workspace,
    home,
    sha,
    eventName: 'push',
    ref: 'refs/heads/main',
    inputs: {
      kubeconfig,
      'github-token': githubToken,
      'accept-apply': 'true',
      'allow-local-state': 'true',
      'health-timeout': '30s',
      target: 'config',
      ...inputs,
    },
    env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
  });
}

/** A merged pull request whose merge commit is `sha`, with our plan comment recording `planHash`. */
function mergedWithComment(sha: string, planHash: string, number: number): number {
  github.addPull({
    owner: OWNER,
    repo: REPO,
    number,
    merged_at: '2026-01-02T00:00:00Z',
    merge_commit_sha: sha,
    commits: [],
  });
  const marker = metadataMarker({ version: 1, target: 'config', headSha: 'beef', planHash, status: 'planned' });
  return github.seedComment(OWNER, REPO, number, `${marker}\n\nreviewed plan`, GITHUB_ACTIONS_BOT).id;
}

const stateOf = (workspace: string): { serial: number; resources: unknown[] } =>
  JSON.parse(readFileSync(path.join(workspace, 'config', 'terraform.tfstate'), 'utf8')) as {
    serial: number;
    resources: unknown[];
  };

describe.skipIf(!wired)(`apply flow on main${wired ? '' : ' (WAITING FOR WIRING: main.ts → runApplyStage)'}`, () => {
  it('applies for real, reports the outputs and Flux health, then a rerun has no changes and applies nothing', async () => {
    const workspace = fixtureWorkspace('changes');
    const first = await push(workspace, { 'require-reviewed-plan': 'false' });
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({
      'plan-exitcode': '2',
      applied: 'true',
      'apply-skipped-reason': '',
      'flux-namespace': 'flux-system',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'flux-system',
    });
    expect(stateOf(workspace).resources).toHaveLength(2);
    expect(first.summary).toContain('**Flux is ready.**');
    expect(first.summary).toContain(REV);

    const serial = stateOf(workspace).serial;
    const second = await push(workspace, { 'require-reviewed-plan': 'false' });
    expect(second.code, second.stdout).toBe(0);
    expect(second.outputs).toMatchObject({
      'plan-exitcode': '0',
      applied: 'false',
      'apply-skipped-reason': 'The plan has no changes: there is nothing to apply.',
    });
    expect(stateOf(workspace).serial).toBe(serial);
  });

  it('applies when the plan matches the merged pull request’s comment, and marks that comment applied', async () => {
    const workspace = fixtureWorkspace('changes');
    // A run that only plans gives the plan JSON whose fingerprint the PR comment would have recorded.
    const planned = await push(workspace, { 'accept-apply': 'false' });
    expect(planned.outputs.applied).toBe('false');
    const planHash = planFingerprint(JSON.parse(readFileSync(planned.outputs['plan-json-path']!, 'utf8')));
    const sha = nextSha();
    const commentId = mergedWithComment(sha, planHash, 71);

    const run = await push(workspace, {}, sha);
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.applied).toBe('true');
    expect(stateOf(workspace).resources).toHaveLength(2);
    const comment = github.comments(OWNER, REPO, 71).find((c) => c.id === commentId)!;
    expect(parseCommentMetadata(comment.body)?.status).toBe('applied');
    expect(comment.body).toContain(sha.slice(0, 12));
  });

  it('end to end: the pull request run records its plan in the comment, the push of its merge applies it', async () => {
    const workspace = fixtureWorkspace('changes');
    const prHead = nextSha();
    const pr = await runPipeline({
      mirror,
      toolCache,
      workspace,
      sha: nextSha(),
      eventName: 'pull_request',
      ref: 'refs/pull/73/merge',
      event: { pull_request: { number: 73, head: { sha: prHead, repo: { full_name: `${OWNER}/${REPO}` } } } },
      inputs: {
        kubeconfig,
        'github-token': githubToken,
        'accept-apply': 'true',
        'allow-local-state': 'true',
        comment: 'true',
        target: 'config',
      },
      env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
    });
    expect(pr.code, pr.stdout).toBe(0);
    expect(pr.outputs.applied).toBe('false');
    expect(existsSync(path.join(workspace, 'config', 'terraform.tfstate'))).toBe(false);
    const [comment] = github.comments(OWNER, REPO, 73);
    expect(comment?.body).toContain('On merge to main: this plan will be applied');
    expect(parseCommentMetadata(comment!.body)).toMatchObject({ target: 'config', headSha: prHead, status: 'planned' });

    const mergeSha = nextSha();
    github.addPull({
      owner: OWNER,
      repo: REPO,
      number: 73,
      merged_at: '2026-01-03T00:00:00Z',
      merge_commit_sha: mergeSha,
      commits: [prHead],
    });
    const main = await push(workspace, {}, mergeSha);
    expect(main.code, main.stdout).toBe(0);
    expect(main.outputs.applied).toBe('true');
    expect(main.summary).toContain("This run's plan matches the plan reviewed in pull request #73");
    expect(stateOf(workspace).resources).toHaveLength(2);
    expect(parseCommentMetadata(github.comments(OWNER, REPO, 73)[0]!.body)?.status).toBe('applied');
  });

  it('refuses a plan that differs from the reviewed one, failing the run with the comment link', async () => {
    const workspace = fixtureWorkspace('changes');
    const sha = nextSha();
    const commentId = mergedWithComment(sha, 'f'.repeat(64), 72);
    const run = await push(workspace, {}, sha);
    expect(run.code).toBe(1);
    expect(run.outputs.applied).toBe('false');
    expect(run.outputs['apply-skipped-reason']).toMatch(/^This run's plan differs from the plan reviewed/);
    expect(run.outputs['apply-skipped-reason']).toContain(`#issuecomment-${commentId}`);
    expect(existsSync(path.join(workspace, 'config', 'terraform.tfstate'))).toBe(false);
  });

  it('refuses a commit pushed without a pull request while reviewed plans are required', async () => {
    const workspace = fixtureWorkspace('changes');
    const run = await push(workspace, {});
    expect(run.code).toBe(1);
    expect(run.outputs['apply-skipped-reason']).toMatch(/^The commit did not come from a merged pull request/);
    expect(existsSync(path.join(workspace, 'config', 'terraform.tfstate'))).toBe(false);
  });

  it("fails the run with Flux's own reason, or after the health timeout, once the apply is done", async () => {
    const failing: ObjectState = {
      ready: { status: 'False', reason: 'BuildFailed', message: 'kustomization path not found: clusters/dev' },
      lastAttemptedRevision: REV,
    };
    const pending: ObjectState = {
      ready: { status: 'Unknown', reason: 'Progressing', message: 'building artifact' },
    };
    try {
      kube.script('Kustomization', 'flux-system', 'flux-system', [failing]);
      const failed = await push(fixtureWorkspace('changes'), { 'require-reviewed-plan': 'false' });
      expect(failed.code).toBe(1);
      expect(failed.outputs.applied).toBe('true');
      expect(failed.stdout).toMatch(
        /^::error::.*Kustomization flux-system\/flux-system is not ready: BuildFailed: kustomization path not found: clusters\/dev/m,
      );
      expect(failed.summary).toContain('**Flux failed to reconcile.**');

      kube.script('GitRepository', 'flux-system', 'flux-system', [pending]);
      const late = await push(fixtureWorkspace('changes'), {
        'require-reviewed-plan': 'false',
        'health-timeout': '1s',
      });
      expect(late.code).toBe(1);
      expect(late.outputs.applied).toBe('true');
      expect(late.stdout).toMatch(/^::error::.*Flux was not ready after 1 s: .*building artifact/m);
    } finally {
      kube.script('GitRepository', 'flux-system', 'flux-system', [sourceReady]);
      kube.script('Kustomization', 'flux-system', 'flux-system', [kustomizationReady]);
    }
  });

  it('sets the Flux outputs from the plan on a run that applies nothing', async () => {
    const run = await push(fixtureWorkspace('changes'), { 'accept-apply': 'false', 'flux-namespace': 'gitops' });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({
      applied: 'false',
      'flux-namespace': 'gitops',
      'git-repository-name': 'flux-system',
      'kustomization-name': 'flux-system',
    });
  });

  it('a re-run with no changes after a failed health wait checks Flux again, and goes green only once it is Ready', async () => {
    const failing: ObjectState = {
      ready: { status: 'False', reason: 'BuildFailed', message: 'kustomization path not found: clusters/dev' },
      lastAttemptedRevision: REV,
    };
    const workspace = fixtureWorkspace('changes');
    try {
      kube.script('Kustomization', 'flux-system', 'flux-system', [failing]);
      const first = await push(workspace, { 'require-reviewed-plan': 'false' });
      expect(first.code).toBe(1);
      expect(first.outputs.applied).toBe('true');

      const rerun = await push(workspace, { 'require-reviewed-plan': 'false' }, nextSha());
      expect(rerun.code).toBe(1);
      expect(rerun.outputs).toMatchObject({ 'plan-exitcode': '0', applied: 'false' });
      expect(rerun.stdout).toMatch(/^::error::.*Kustomization flux-system\/flux-system is not ready: BuildFailed/m);
      expect(rerun.summary).toContain('Nothing to apply: the plan has no changes.');

      kube.script('Kustomization', 'flux-system', 'flux-system', [kustomizationReady]);
      const fixed = await push(workspace, { 'require-reviewed-plan': 'false' }, nextSha());
      expect(fixed.code, fixed.stdout).toBe(0);
      expect(fixed.summary).toContain('**Flux is ready.**');
    } finally {
      kube.script('Kustomization', 'flux-system', 'flux-system', [kustomizationReady]);
    }
  });

  it.skipIf(!recordsInputs)(
    `names the input that differs when main's plan is not the reviewed one${recordsInputs ? '' : ' (WAITING FOR WIRING: main.ts → effectiveInputHashes)'}`,
    async () => {
      const workspace = fixtureWorkspace('changes');
      const prHead = nextSha();
      const shared = {
        kubeconfig,
        'github-token': githubToken,
        'accept-apply': 'true',
        'allow-local-state': 'true',
        target: 'config',
      };
      const pr = await runPipeline({
        mirror,
        toolCache,
        workspace,
        sha: nextSha(),
        eventName: 'pull_request',
        ref: 'refs/pull/74/merge',
        event: { pull_request: { number: 74, head: { sha: prHead, repo: { full_name: `${OWNER}/${REPO}` } } } },
        inputs: { ...shared, comment: 'true', 'reconcile-interval': '2m' },
        env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: `${OWNER}/${REPO}` },
      });
      expect(pr.code, pr.stdout).toBe(0);
      const mergeSha = nextSha();
      github.addPull({
        owner: OWNER,
        repo: REPO,
        number: 74,
        merged_at: '2026-01-04T00:00:00Z',
        merge_commit_sha: mergeSha,
        commits: [prHead],
      });
      const main = await push(workspace, { 'reconcile-interval': '3m' }, mergeSha);
      expect(main.code).toBe(1);
      expect(main.outputs.applied).toBe('false');
      expect(main.outputs['apply-skipped-reason']).toContain(
        "This job's inputs differ from those the pull request's plan was made with: 'reconcile-interval'.",
      );
      expect(main.outputs['apply-skipped-reason']).not.toContain('outside OpenTofu');
      expect(existsSync(path.join(workspace, 'config', 'terraform.tfstate'))).toBe(false);
    },
  );

  it('leaves no secret in anything it wrote, and the post step removes the kubeconfig', async () => {
    const workspace = fixtureWorkspace('changes');
    const run = await push(workspace, { 'require-reviewed-plan': 'false' });
    expect(run.outputs.applied).toBe('true');
    const tfvars = JSON.parse(readFileSync(run.outputs['tfvars-path']!, 'utf8')) as {
      flux: { cluster: { kubeconfig_path: string } };
    };
    const kubeconfigPath = tfvars.flux.cluster.kubeconfig_path;
    expect(existsSync(kubeconfigPath)).toBe(true);

    const post = await runAction({ home: run.home, entry: 'post', state: run.state });
    expect(post.code).toBe(0);
    expect(existsSync(kubeconfigPath)).toBe(false);

    const secrets = [kube.token, githubToken, kubeconfig];
    const printed = [run, post]
      .map((r) => r.stdout.replace(/^::add-mask::.*$/gm, '') + r.stderr + r.summary + JSON.stringify(r.outputs))
      .join('\n');
    const written = [...(await readTree(run.home)), ...(await readTree(workspace))];
    for (const secret of secrets) {
      expect(printed.includes(secret)).toBe(false);
      expect(written.filter((f) => f.content.includes(secret)).map((f) => f.file)).toEqual([]);
    }
  });
});
