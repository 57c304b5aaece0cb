// End to end on a real cluster, what operating the action brings: a private Git repository (HTTPS basic auth and a
// private CA, given as inputs and written by the module into a Secret that no state, plan or log holds), a job cancelled during apply (SIGTERM, as the runner sends it) that must
// leave the S3 state unlocked for the next run, and two targets on one cluster (two namespaces, two states, two
// comments) that do not disturb each other.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommentMetadata } from '../src/report/comment.js';
import { startGitServer, type GitServer } from './support/cluster.js';
import {
  BUCKET,
  configMap,
  OWNER,
  planActions,
  REPO,
  s3BackendLines,
  startFluxWorld,
  type FluxWorld,
} from './support/flux-world.js';

// "${" and "%{" would start an HCL template if the action passed the credentials unescaped.
const AUTH = { username: 'flux-reader', password: 'pr1vate-Git-${passw0rd}-%{x}' };
const TEAM_B = 'flux-team-b';
const execFileAsync = promisify(execFile);
let world: FluxWorld;
let privateGit: GitServer;

beforeAll(async () => {
  world = await startFluxWorld({
    fleet: { 'clusters/team-b/greeting.yaml': configMap('team-b', 'hello from team b') },
    inputs: ({ s3 }) => ({ target: 'dev', 'backend-config': s3BackendLines(s3, 'clusters/dev/flux.tfstate') }),
  });
  privateGit = await startGitServer({ auth: AUTH });
  await privateGit.commit('fleet', { 'clusters/dev/greeting.yaml': configMap('private-dev', 'hello, privately') });
}, 600_000);

afterAll(async () => {
  await Promise.all([world?.stop(), privateGit?.stop()]);
}, 120_000);

const devInputs = () => ({
  'git-url': privateGit.url('fleet'),
  'git-path': './clusters/dev',
  // Nothing made by hand: the module writes the Secret (named flux-system, like the GitRepository).
  'git-secret-name': '',
  'git-username': AUTH.username,
  'git-password': AUTH.password,
  'git-ca-certificate': privateGit.caPem,
});
const greeting = async (namespace: string, name: string) =>
  (await world.cluster.kubectl(['get', 'configmap', name, '-n', namespace, '-o', 'jsonpath={.data.greeting}'])).trim();
const lockObjects = async () => (await world.s3.listObjects(BUCKET)).filter((key) => key.endsWith('.tflock'));

describe('operating the action on a real cluster', () => {
  it('f. a private repository over HTTPS with basic auth and a private CA, given as inputs, becomes Ready', async () => {
    const pr = await world.pullRequest(1, devInputs());
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(planActions(pr)).toContain('create module.flux[0].kubernetes_secret_v1.git_credentials[0]');
    const [run] = await Promise.all([world.merge(1, pr.headSha, devInputs()), world.fluxControllersAfterChart()]);
    expect(run.code, run.stdout.slice(-6000)).toBe(0);
    expect(run.summary).toContain('**Flux is ready.**');
    await world.cluster.waitForCondition('gitrepository/flux-system', { namespace: 'flux-system' });
    expect(await greeting('default', 'private-dev')).toBe('hello, privately');
    const secret = JSON.parse(
      await world.cluster.kubectl(['get', 'secret', 'flux-system', '-n', 'flux-system', '-o', 'json']),
    ) as { data: Record<string, string> };
    expect(Buffer.from(secret.data.password!, 'base64').toString()).toBe(AUTH.password);
    // The password reached the cluster through the Secret only: not the log, the summary, the outputs, the
    // comment, the tfvars, the plan (as JSON and as the saved file, unzipped) or the state.
    const state = await world.s3.getObject(BUCKET, 'clusters/dev/flux.tfstate');
    expect(state).toMatch(/"data_wo_revision": ?1/);
    const texts = [state, ...world.github.comments(OWNER, REPO, 1).map((c) => c.body)];
    for (const r of [pr, run]) {
      texts.push(r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs));
      texts.push(readFileSync(r.outputs['tfvars-path']!, 'utf8'), readFileSync(r.outputs['plan-json-path']!, 'utf8'));
      const planFile = path.join(path.dirname(r.outputs['plan-json-path']!), 'tfplan');
      texts.push((await execFileAsync('unzip', ['-p', planFile], { encoding: 'latin1', maxBuffer: 64 << 20 })).stdout);
    }
    for (const text of texts) expect(text).not.toContain(AUTH.password);
  });

  it('g. SIGTERM during apply stops tofu, releases the S3 lock, and the next run succeeds', async () => {
    const inputs = { ...devInputs(), 'helm-values': 'logLevel: debug' };
    const pr = await world.pullRequest(2, inputs);
    expect(planActions(pr)).toEqual(['update module.flux[0].helm_release.flux']);
    const cancelled = await world.merge(2, pr.headSha, inputs, /helm_release\.flux: Modifying/);
    expect(cancelled.code).not.toBe(0);
    expect(cancelled.stdout).toMatch(
      /Interrupt received|Gracefully shutting down|operation canceled|context canceled/i,
    );
    expect(await lockObjects()).toEqual([]);

    const rerun = await world.merge(2, pr.headSha, inputs);
    expect(rerun.code, rerun.stdout.slice(-6000)).toBe(0);
    expect(await lockObjects()).toEqual([]);
    const values = await world.cluster.kubectl([
      'get',
      'deployment',
      'source-controller',
      '-n',
      'flux-system',
      '-o',
      'json',
    ]);
    expect(values).toContain('--log-level=debug');
  });

  it('i. two targets on one cluster: two comments, two states, and neither disturbs the other', async () => {
    await world.cluster.kubectl(['create', 'namespace', TEAM_B]);
    await world.cluster.kubectl([
      'create',
      'secret',
      'generic',
      'fleet-git',
      `--namespace=${TEAM_B}`,
      `--from-file=ca.crt=${world.git.caFile}`,
    ]);
    // A second Flux beside the first: the cluster-wide parts (CRDs, cluster roles) belong to the first release.
    const teamB = {
      target: 'team-b',
      'flux-namespace': TEAM_B,
      'git-url': world.git.url('fleet'),
      'git-path': './clusters/team-b',
      'helm-values': JSON.stringify({ installCRDs: false, rbac: { create: false, createAggregation: false } }),
      'backend-config': s3BackendLines(world.s3, 'clusters/team-b/flux.tfstate'),
    };
    const dev = { ...devInputs(), 'helm-values': 'logLevel: debug' };
    const devGeneration = async () =>
      (
        await world.cluster.kubectl([
          'get',
          'kustomization',
          'flux-system',
          '-n',
          'flux-system',
          '-o',
          'jsonpath={.metadata.generation}',
        ])
      ).trim();
    const before = await devGeneration();

    const [prDev, prB] = [await world.pullRequest(3, dev), await world.pullRequest(3, teamB)];
    expect(prDev.outputs['plan-exitcode']).toBe('0');
    expect(planActions(prB)).toEqual([
      'create module.flux[0].helm_release.flux',
      'create module.flux[0].kubectl_manifest.git_repository',
      'create module.flux[0].kubectl_manifest.kustomization',
    ]);
    const comments = world.github.comments(OWNER, REPO, 3);
    expect(comments.map((c) => parseCommentMetadata(c.body)?.target).sort()).toEqual(['dev', 'team-b']);

    const mergedB = await world.merge(3, prB.headSha, teamB);
    expect(mergedB.code, mergedB.stdout.slice(-6000)).toBe(0);
    expect(mergedB.outputs).toMatchObject({ applied: 'true', 'flux-namespace': TEAM_B });
    await world.cluster.waitForCondition('kustomization/flux-system', { namespace: TEAM_B });
    expect(await greeting('default', 'team-b')).toBe('hello from team b');
    const mergedDev = await world.merge(3, prDev.headSha, dev);
    expect(mergedDev.code, mergedDev.stdout.slice(-4000)).toBe(0);
    expect(mergedDev.outputs['plan-exitcode']).toBe('0');
    expect(await devGeneration()).toBe(before);
    expect(await world.s3.listObjects(BUCKET, 'clusters/')).toEqual(
      expect.arrayContaining(['clusters/dev/flux.tfstate', 'clusters/team-b/flux.tfstate']),
    );
  });
});
