// End to end, drift on a schedule with the real control plane: Flux installed by a reviewed merge, then a hand-made
// change to the Kustomization (kubectl patch, as someone with cluster access would), found by the scheduled plan of
// main (examples/workflows/drift.yml's inputs: comment off, no apply, drift-issue on), reported in the `drift`
// output, the job summary and one issue; a token without `issues: write` only warns; once the change is reverted
// the next scheduled run closes the issue. dist/index.js runs each step as the runner would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDriftIssueMetadata } from '../src/report/drift.js';
import {
  configMap,
  devWorldInputs,
  OWNER,
  planActions,
  REPO,
  startFluxWorld,
  type FluxWorld,
} from './support/flux-world.js';

const TARGET = 'dev';
const KUSTOMIZATION = 'module.flux[0].kubectl_manifest.kustomization';
/** What examples/workflows/drift.yml passes beyond the shared inputs. */
const DRIFT_RUN = { comment: 'false', 'accept-apply': 'false', 'drift-issue': 'true' };
let world: FluxWorld;

beforeAll(async () => {
  world = await startFluxWorld({
    fleet: { 'clusters/dev/greeting.yaml': configMap('fleet-dev', 'hello from dev') },
    inputs: devWorldInputs,
  });
}, 600_000);

afterAll(async () => {
  await world?.stop();
}, 120_000);

const interval = async (): Promise<string> =>
  (
    JSON.parse(
      await world.cluster.kubectl(['get', 'kustomization', 'flux-system', '-n', 'flux-system', '-o', 'json']),
    ) as { spec: { interval: string } }
  ).spec.interval;
const patchInterval = (value: string) =>
  world.cluster.kubectl([
    'patch',
    'kustomization',
    'flux-system',
    '-n',
    'flux-system',
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { interval: value } }),
  ]);
const driftIssues = () =>
  world.github.issues.of(OWNER, REPO).filter((i) => parseDriftIssueMetadata(i.body)?.target === TARGET);

describe('drift found on a schedule, reported in one issue, closed when gone', () => {
  it('a. the install is applied by its merge; the applying run does not measure drift', async () => {
    const pr = await world.pullRequest(1);
    expect(pr.code, pr.stdout.slice(-4000)).toBe(0);
    expect(pr.outputs.drift).toBe('');
    const [merged] = await Promise.all([world.merge(1, pr.headSha), world.fluxControllersAfterChart()]);
    expect(merged.code, merged.stdout.slice(-6000)).toBe(0);
    expect(merged.outputs).toMatchObject({ applied: 'true', drift: '' });
    expect(merged.summary).not.toContain('### Drift');
    expect(await interval()).toBe('1m');
  });

  it('b. a hand-made change to the Kustomization: the scheduled plan has drift=true and opens one issue', async () => {
    await patchInterval('7m');
    expect(await interval()).toBe('7m');
    const run = await world.schedule(DRIFT_RUN);
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs).toMatchObject({ drift: 'true', 'plan-exitcode': '2', applied: 'false', 'comment-url': '' });
    expect(planActions(run)).toEqual([`update ${KUSTOMIZATION}`]);
    expect(run.stdout).toContain(`::warning::Drift on ${TARGET}: the plan of main has changes`);
    // The summary starts with what drifted.
    expect(run.summary).toMatch(/^### Drift\n\n\*\*The cluster differs from main:\*\*/);
    expect(run.summary).toContain(`**Changed outside OpenTofu** (1)\n\n- \`${KUSTOMIZATION}\` — changed`);
    expect(run.summary).toContain(`- \`${KUSTOMIZATION}\` — update in place`);
    const issues = driftIssues();
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(issue).toMatchObject({ state: 'open', title: `Flux drift: the cluster of ${TARGET} differs from main` });
    expect(issue.body).toContain(`- \`${KUSTOMIZATION}\` — changed`);
    // With the attributes the refresh found changed, named as the comment names them.
    expect(issue.body).toMatch(new RegExp(`- \`${KUSTOMIZATION.replace(/[.[\]]/g, '\\$&')}\` — changed: \`[a-z_]+\``));
    expect(run.summary).toContain(`Opened the drift issue [#${issue.number}]`);
    // No comment anywhere, nothing applied, the secret kubeconfig in neither the issue nor the summary.
    expect(world.github.requestsTo('create-comment')).toHaveLength(1); // the pull request's, in a.
    expect(await interval()).toBe('7m');
    const key = (JSON.parse(world.kubeconfig) as { users: { user: Record<string, string> }[] }).users[0]!.user[
      'client-key-data'
    ]!;
    const secrets = [key, Buffer.from(key, 'base64').toString('utf8').split('\n')[1]!];
    expect(secrets[1]!.length).toBeGreaterThan(40);
    for (const text of [issue.body, issue.title, run.summary])
      for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('c. without issues: write the run still reports drift and only warns, naming the permission', async () => {
    const before = driftIssues()[0]!;
    const run = await world.schedule({
      ...DRIFT_RUN,
      'github-token': world.github.installationToken({ issues: 'read' }),
    });
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs.drift).toBe('true');
    expect(run.stdout).toMatch(/::warning::No drift issue: .*403.*`permissions: issues: write`/);
    expect(run.summary).toContain('The drift issue could not be opened or updated');
    expect(driftIssues()).toEqual([before]);
  });

  it('d. the change reverted: the next scheduled run has drift=false and closes the issue', async () => {
    await patchInterval('1m');
    const run = await world.schedule(DRIFT_RUN);
    expect(run.code, run.stdout.slice(-4000)).toBe(0);
    expect(run.outputs).toMatchObject({ drift: 'false', 'plan-exitcode': '0' });
    expect(run.summary).toMatch(/^### Drift\n\nNone: the plan of refs\/heads\/main at `[0-9a-f]{12}` has no changes/);
    const [issue] = driftIssues();
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(issue!.body).toMatch(/\*\*Resolved:\*\* the plan of refs\/heads\/main/);
    expect(run.summary).toContain(`Closed the drift issue [#${issue!.number}]`);
  });
});
