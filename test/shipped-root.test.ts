// The shipped root (modules/root) planned for real by dist/index.js: the real helm and kubectl providers, the real
// flux2 chart served on 127.0.0.1 (a Helm repository over HTTPS and an OCI registry), and real state backends
// (versitygw for S3, PostgreSQL, local). The kubeconfig names an API server that does not answer: the first plan
// of a new cluster must not need the cluster. Nothing here applies; the cluster suites do that.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeKubeconfig } from './support/action-runner.js';
import {
  FLUX2_CHART_VERSION,
  startHelmRepository,
  startOciRegistry,
  type HelmRepository,
  type OciRegistry,
} from './support/chart-repository.js';
import { BUCKET, s3BackendLines } from './support/flux-world.js';
import { annotations, runPipeline, sharedToolCache } from './support/pipeline.js';
import { startPostgres, type PostgresServer } from './support/postgres.js';
import { startReleaseMirror, type ReleaseMirror } from './support/release-mirror.js';
import { startS3Server, type S3Server } from './support/s3-server.js';
import { serverEnv } from './support/server-process.js';

/** An API server address nothing listens on: port 1 on loopback refuses at once. */
const DEAD_CLUSTER = fakeKubeconfig('https://127.0.0.1:1');

let mirror: ReleaseMirror;
let toolCache: string;
let helmRepo: HelmRepository;
let oci: OciRegistry;
let s3: S3Server;
let pg: PostgresServer;

beforeAll(async () => {
  // Each is assigned as it starts, so that afterAll stops the ones that did when another fails to.
  await Promise.all([
    startReleaseMirror().then((m) => (mirror = m)),
    startHelmRepository().then((r) => (helmRepo = r)),
    startOciRegistry().then((r) => (oci = r)),
    startS3Server().then((s) => (s3 = s)),
    startPostgres().then((p) => (pg = p)),
  ]);
  toolCache = sharedToolCache();
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await Promise.all([mirror?.close(), helmRepo?.stop(), oci?.stop(), s3?.stop(), pg?.stop()]);
});

const s3Lines = (key: string, overrides: Record<string, unknown> = {}) => s3BackendLines(s3, key, overrides);

interface PlanJson {
  resource_changes: { address: string; change: { actions: string[]; after: Record<string, unknown> | null } }[];
}

/** A pull-request run of the shipped root (no working-directory) against the dead cluster. */
function planShippedRoot(inputs: Record<string, string>, caFile = helmRepo.caFile) {
  return runPipeline({
    mirror,
    toolCache,
    eventName: 'pull_request',
    ref: 'refs/pull/7/merge',
    event: { pull_request: { number: 7, head: { sha: 'f'.repeat(40), repo: { full_name: 'wildside/infra' } } } },
    inputs: {
      'working-directory': '',
      kubeconfig: DEAD_CLUSTER,
      'chart-repository': helmRepo.url,
      'chart-version': FLUX2_CHART_VERSION,
      'accept-apply': 'true',
      ...inputs,
    },
    // The helm provider fetches the chart while planning, over TLS signed by the test CA.
    env: { SSL_CERT_FILE: caFile ?? '' },
  });
}

const release = (plan: PlanJson) => plan.resource_changes.find((c) => c.address === 'module.flux[0].helm_release.flux');

describe('the shipped root, planned for real', () => {
  it('plans a first install without reaching the cluster: chart from a Helm repository on loopback, state in S3', async () => {
    const before = helmRepo.requests.length;
    const run = await planShippedRoot({ 'backend-config': s3Lines('clusters/dev/flux.tfstate') });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '2', 'to-add': '3', 'policy-result': 'pass' });
    const plan = JSON.parse(readFileSync(run.outputs['plan-json-path']!, 'utf8')) as PlanJson;
    expect(plan.resource_changes.map((c) => `${c.change.actions.join('+')} ${c.address}`).sort()).toEqual([
      'create module.flux[0].helm_release.flux',
      'create module.flux[0].kubectl_manifest.git_repository',
      'create module.flux[0].kubectl_manifest.kustomization',
    ]);
    expect(release(plan)!.change.after).toMatchObject({ repository: helmRepo.url, version: FLUX2_CHART_VERSION });
    // The provider read the index and the chart itself while planning.
    const asked = helmRepo.requests.slice(before);
    expect(asked).toContain('/index.yaml');
    expect(asked.some((p) => p.endsWith(`flux2-${FLUX2_CHART_VERSION}.tgz`))).toBe(true);
    // The report records the exact providers the plan was made with: those the shipped root pins.
    expect(run.summary).toContain(
      'Providers: `alekc/kubectl` 2.2.0, `digitalocean/digitalocean` 2.68.0, `hashicorp/helm` 3.2.0',
    );
    // The gate read a remote backend from init's record: the merge would apply this plan.
    expect(run.summary).toContain('On merge to main: this plan will be applied');
    // S3-native locking: the plan took its lock in the bucket and released it.
    expect(await s3.listObjects(BUCKET, 'clusters/dev/')).not.toContain('clusters/dev/flux.tfstate.tflock');
  });

  it('takes the chart from an OCI registry', async () => {
    const run = await planShippedRoot(
      { 'chart-repository': oci.url, backend: 'local', 'allow-local-state': 'true' },
      oci.caFile,
    );
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs['plan-exitcode']).toBe('2');
    const plan = JSON.parse(readFileSync(run.outputs['plan-json-path']!, 'utf8')) as PlanJson;
    expect(release(plan)!.change.after).toMatchObject({ repository: oci.url, chart: 'flux2' });
    // The provider resolves the chart in the registry while planning: a version the registry lacks fails the plan.
    const missing = await planShippedRoot(
      { 'chart-repository': oci.url, 'chart-version': '9.9.9', backend: 'local', 'allow-local-state': 'true' },
      oci.caFile,
    );
    expect(missing.code).toBe(1);
    expect(missing.summary).toContain('**Plan:** ❌ failed (`tofu plan` exit code 1)');
    expect(missing.summary).toMatch(/127\.0\.0\.1:\d+\/charts\/flux2:9\.9\.9.*not found/);
  });

  it('keeps state in PostgreSQL with backend: pg', async () => {
    const run = await planShippedRoot({ backend: 'pg', 'backend-config': `conn_str=${pg.connStr}` });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs['plan-exitcode']).toBe('2');
    expect(run.summary).toContain('On merge to main: this plan will be applied');
    // init created the backend's table in the real server.
    const bundled = path.join(serverEnv('PG_BIN_DIR'), 'psql');
    const psql = existsSync(bundled) ? bundled : 'psql';
    const { stdout } = await promisify(execFile)(psql, [
      pg.connStr,
      '-tAc',
      "select to_regclass('terraform_remote_state.states') is not null",
    ]);
    expect(stdout.trim()).toBe('t');
  });

  it('plans with local state when allowed, and the merge would refuse it when not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flux-local-state-'));
    const allowed = await planShippedRoot({
      backend: 'local',
      'allow-local-state': 'true',
      'backend-config': `path=${path.join(dir, 'flux.tfstate')}`,
    });
    expect(allowed.code, allowed.stdout.slice(-3000)).toBe(0);
    expect(allowed.outputs['plan-exitcode']).toBe('2');
    expect(allowed.summary).toContain('On merge to main: this plan will be applied');

    const refused = await planShippedRoot({ backend: 'local' });
    expect(refused.code).toBe(1);
    expect(annotations(refused.stdout, 'error').map((e) => e.message)).toContain(
      "Input 'backend': \"local\" is not accepted: local state needs 'allow-local-state: true': the state of a run on an ephemeral runner is lost.",
    );
    expect(refused.outputs['plan-exitcode']).toBeUndefined();
  });

  it('reports an S3 endpoint that refuses connections as an init failure, and never calls the backend local', async () => {
    const run = await planShippedRoot({
      'backend-config': s3Lines('clusters/dev/flux.tfstate', {
        endpoints: { s3: 'http://127.0.0.1:1' },
        max_retries: 1,
      }),
    });
    expect(run.code).toBe(1);
    expect(run.outputs['plan-exitcode']).toBe('1');
    expect(run.summary).toContain('**Plan:** ❌ failed at `tofu init`');
    expect(run.summary).toMatch(/tofu init failed \(exit 1\):\n.*127\.0\.0\.1:1/);
    expect(run.summary).not.toContain('`tofu plan` exit code 1');
    expect(run.summary).not.toMatch(/backend is local/);
    expect(run.summary).toContain("'tofu init' failed, so nothing says where the state lives");
  });

  it('plans removal on an empty state with no cluster credentials as "no changes"', async () => {
    const run = await planShippedRoot({
      install: 'false',
      kubeconfig: '',
      'git-url': '',
      'backend-config': s3Lines('clusters/never-installed/flux.tfstate'),
    });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '0', 'has-changes': 'false' });
  });

  it('refuses a removal with no cluster credentials while the state still holds Flux, naming the inputs', async () => {
    // What an earlier install leaves in state, reduced to the attributes that identify the object.
    const key = 'clusters/installed/flux.tfstate';
    const state = {
      version: 4,
      terraform_version: '1.12.6',
      serial: 7,
      lineage: '6b0b1f0e-7c1d-4f5e-9a51-3f0d9e1c2b7a',
      outputs: {},
      resources: [
        {
          module: 'module.flux[0]',
          mode: 'managed',
          type: 'kubectl_manifest',
          name: 'kustomization',
          provider: 'provider["registry.opentofu.org/alekc/kubectl"].flux',
          instances: [
            {
              schema_version: 1,
              attributes: {
                id: '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system',
                api_version: 'kustomize.toolkit.fluxcd.io/v1',
                kind: 'Kustomization',
                name: 'flux-system',
                namespace: 'flux-system',
              },
            },
          ],
        },
      ],
    };
    expect((await s3.putObject(BUCKET, key, JSON.stringify(state))).status).toBe(200);
    const run = await planShippedRoot({
      install: 'false',
      kubeconfig: '',
      'git-url': '',
      'backend-config': s3Lines(key),
    });
    expect(run.code).toBe(1);
    expect(run.outputs['plan-exitcode']).toBe('1');
    expect(run.summary).toContain('failed before planning: no cluster credentials to remove Flux with');
    expect(run.summary).toContain(
      "Input 'install' is false and the state still holds what an earlier run installed (module.flux[0].kubectl_manifest.kustomization)",
    );
    expect(run.stdout).not.toContain('no-cluster-credentials-given.invalid');
  });
});
