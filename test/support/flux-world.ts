// Everything an end-to-end scenario of dist/index.js needs, real where it can be: a Kubernetes control plane with
// Flux's own controllers (test/support/cluster.ts), a Git server over HTTPS, the real flux2 chart from a Helm
// repository on 127.0.0.1, S3 state on versitygw, the real tools from a loopback release mirror — and the GitHub
// API stand-in, the one piece of someone else's cloud. Runs go through the runner's own contract (INPUT_*, event
// files, GITHUB_OUTPUT…), as pull requests, merges to main and manual dispatches of one repository.
import { readFileSync } from 'node:fs';
import { planFingerprint } from '../../src/plan/fingerprint.js';
import { newRunnerHome, type ActionRun } from './action-runner.js';
import { FLUX2_CHART_VERSION, startHelmRepository, type HelmRepository } from './chart-repository.js';
import { startCluster, startGitServer, type Cluster, type GitServer } from './cluster.js';
import { GitHubApiStandIn } from './github-api.js';
import { runPipeline, sharedToolCache } from './pipeline.js';
import { startReleaseMirror, type ReleaseMirror } from './release-mirror.js';
import { s3BackendConfig, startS3Server, type S3Server } from './s3-server.js';

export const OWNER = 'wildside';
export const REPO = 'infra';
export const BUCKET = 'flux-state';
/** The Secret holding the Git server's CA, which every GitRepository of the scenarios references. */
export const GIT_SECRET = 'fleet-git';
/** The CRD the chart installs that tells the controllers they may start. */
const LAST_SOURCE_CRD = 'gitrepositories.source.toolkit.fluxcd.io';

export const configMap = (name: string, greeting: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  greeting: ${greeting}\n`;

/** backend-config lines for the S3 server, nested objects in HCL syntax as users write them. */
export function s3BackendLines(s3: S3Server, key: string, overrides: Record<string, unknown> = {}): string {
  const settings = { ...s3BackendConfig(s3, BUCKET, key), use_lockfile: true, ...overrides };
  return Object.entries(settings)
    .map(([k, v]) =>
      typeof v === 'object' && v !== null
        ? `${k}={${Object.entries(v)
            .map(([ik, iv]) => `${ik}="${String(iv)}"`)
            .join(',')}}`
        : `${k}=${String(v)}`,
    )
    .join('\n');
}

/**
 * The inputs of the single-target scenarios (the tests, the merge benchmark, `npm run local`): target dev, the
 * fleet's ./clusters/dev, and its own state key in the S3 bucket.
 */
export const devWorldInputs: WorldOptions['inputs'] = ({ git, s3 }) => ({
  target: 'dev',
  'git-url': git.url('fleet'),
  'git-path': './clusters/dev',
  'backend-config': s3BackendLines(s3, 'clusters/dev/flux.tfstate'),
});

export interface FluxWorld {
  cluster: Cluster;
  git: GitServer;
  helmRepo: HelmRepository;
  s3: S3Server;
  github: GitHubApiStandIn;
  mirror: ReleaseMirror;
  /** The admin kubeconfig, as the `kubeconfig` input (a secret). */
  kubeconfig: string;
  /** A pull request run: plans and comments. Resolves with the run and the PR's head SHA. */
  pullRequest(number: number, inputs?: Record<string, string>): Promise<ActionRun & { headSha: string }>;
  /** Merges pull request `number` (its head SHA) and runs the push to main (again, for a re-run). */
  merge(number: number, headSha: string, inputs?: Record<string, string>, sigtermWhen?: RegExp): Promise<ActionRun>;
  /** A workflow_dispatch on main's head (no pull request behind it). */
  dispatch(inputs?: Record<string, string>): Promise<ActionRun>;
  /** A scheduled run on main's head (`on: schedule`), as a drift workflow runs. */
  schedule(inputs?: Record<string, string>): Promise<ActionRun>;
  /** Starts Flux's controllers as soon as the chart's CRDs are Established (once; later calls resolve at once). */
  fluxControllersAfterChart(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  /** Inputs every run shares (the workflow file): git URL, path, state key… */
  inputs: (world: Pick<FluxWorld, 'git' | 'helmRepo' | 's3'>) => Record<string, string>;
  /** Files of the `fleet` repository's first commit. */
  fleet: Record<string, string>;
}

let shaCounter = 0;
const nextSha = (): string => `${(++shaCounter).toString(16).padStart(8, '0')}${'e'.repeat(32)}`;

export async function startFluxWorld(options: WorldOptions): Promise<FluxWorld> {
  const parts: Partial<Omit<FluxWorld, 'kubeconfig'>> = {};
  const stopParts = () =>
    Promise.all([
      parts.cluster?.stop(),
      parts.git?.stop(),
      parts.helmRepo?.stop(),
      parts.s3?.stop(),
      parts.github?.close(),
      parts.mirror?.close(),
    ]);
  try {
    // Assigned as each starts, so that a failure to start one still stops the others.
    await Promise.all([
      startCluster().then((c) => (parts.cluster = c)),
      startGitServer().then((g) => (parts.git = g)),
      startHelmRepository().then((r) => (parts.helmRepo = r)),
      startS3Server().then((s) => (parts.s3 = s)),
      GitHubApiStandIn.start().then((g) => (parts.github = g)),
      startReleaseMirror().then((m) => (parts.mirror = m)),
    ]);
  } catch (error) {
    await stopParts();
    throw error;
  }
  const { cluster, git, helmRepo, s3, github, mirror } = parts as Required<typeof parts>;
  await s3.createBucket(BUCKET);
  await git.commit('fleet', options.fleet);
  // The namespace exists before the chart does (the release adopts it), so the Git CA Secret is there when the
  // GitRepository first reconciles: a private CA is what a user on an internal Git server gives Flux too.
  await cluster.kubectl(['create', 'namespace', 'flux-system']);
  await cluster.kubectl([
    'create',
    'secret',
    'generic',
    GIT_SECRET,
    '--namespace=flux-system',
    `--from-file=ca.crt=${git.caFile}`,
  ]);

  const kubeconfig = readFileSync(cluster.kubeconfigPath, 'utf8');
  const toolCache = sharedToolCache();
  const githubToken = github.installationToken();
  const shared = options.inputs({ git, helmRepo, s3 });
  const home = newRunnerHome();

  const run = (
    eventName: string,
    ref: string,
    sha: string,
    inputs: Record<string, string>,
    event: unknown = {},
    sigtermWhen?: RegExp,
  ) =>
    runPipeline({
      sigtermWhen,
      mirror,
      toolCache,
      home,
      sha,
      eventName,
      ref,
      event,
      inputs: {
        'working-directory': '',
        kubeconfig,
        'github-token': githubToken,
        'accept-apply': 'true',
        'chart-repository': helmRepo.url,
        'chart-version': FLUX2_CHART_VERSION,
        'git-secret-name': GIT_SECRET,
        'health-timeout': '2m',
        comment: 'true',
        ...shared,
        ...inputs,
      },
      env: {
        GITHUB_API_URL: github.url,
        GITHUB_REPOSITORY: `${OWNER}/${REPO}`,
        // The helm provider fetches the chart over TLS signed by the test CA.
        SSL_CERT_FILE: helmRepo.caFile ?? '',
      },
      timeoutMs: 600_000,
    });

  let controllers: Promise<void> | undefined;
  const fluxControllersAfterChart = () =>
    (controllers ??= (async () => {
      await cluster.waitForCondition(`crd/${LAST_SOURCE_CRD}`, { type: 'Established', timeoutMs: 300_000 });
      await cluster.startFluxControllers({ applyCrds: false });
    })());

  return {
    cluster,
    git,
    helmRepo,
    s3,
    github,
    mirror,
    kubeconfig,
    fluxControllersAfterChart,
    async pullRequest(number, inputs = {}) {
      const headSha = nextSha();
      const event = { pull_request: { number, head: { sha: headSha, repo: { full_name: `${OWNER}/${REPO}` } } } };
      const result = await run('pull_request', `refs/pull/${number}/merge`, nextSha(), inputs, event);
      return { ...result, headSha };
    },
    async merge(number, headSha, inputs = {}, sigtermWhen) {
      const mergeSha = nextSha();
      github.addPull({
        owner: OWNER,
        repo: REPO,
        number,
        merged_at: new Date().toISOString(),
        merge_commit_sha: mergeSha,
        commits: [headSha],
      });
      return run('push', 'refs/heads/main', mergeSha, inputs, {}, sigtermWhen);
    },
    dispatch(inputs = {}) {
      return run('workflow_dispatch', 'refs/heads/main', nextSha(), inputs);
    },
    schedule(inputs = {}) {
      return run('schedule', 'refs/heads/main', nextSha(), inputs, { schedule: '17 6 * * *' });
    },
    async stop() {
      await stopParts();
    },
  };
}

/** The fingerprint of a run's saved plan, as its comment records it. */
export const planHashOf = (run: ActionRun): string =>
  planFingerprint(JSON.parse(readFileSync(run.outputs['plan-json-path']!, 'utf8')));

export interface ResourceChange {
  address: string;
  change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
}

/** `actions address` for every resource change of a run's plan that does something. */
export function planActions(run: ActionRun): string[] {
  const plan = JSON.parse(readFileSync(run.outputs['plan-json-path']!, 'utf8')) as {
    resource_changes: ResourceChange[];
  };
  return plan.resource_changes
    .filter((c) => c.change.actions.join() !== 'no-op' && c.change.actions.join() !== 'read')
    .map((c) => `${c.change.actions.join('+')} ${c.address}`)
    .sort();
}
