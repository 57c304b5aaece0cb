// dist/index.js on Node 24, end to end short of comment and apply: verified tools from a loopback mirror, tfvars,
// policy on tfvars and plan, tofu plan with detailed exit codes, outputs and the job summary.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree, repoRoot, runAction } from './support/action-runner.js';
import { annotations, fixtureWorkspace, runPipeline, sharedToolCache } from './support/pipeline.js';
import { startReleaseMirror, type ReleaseMirror } from './support/release-mirror.js';

let mirror: ReleaseMirror;
let toolCache: string;

beforeAll(async () => {
  mirror = await startReleaseMirror();
  toolCache = sharedToolCache();
});
afterAll(() => mirror?.close());

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('plan exit codes', () => {
  it('2: changes are a success with has-changes=true and the counts of the real plan', async () => {
    const run = await runPipeline({ mirror, toolCache, workspace: fixtureWorkspace('changes') });
    expect(run.stderr + run.stdout).not.toMatch(STACK_FRAME);
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({
      'plan-exitcode': '2',
      'has-changes': 'true',
      'to-add': '2',
      'to-change': '0',
      'to-destroy': '0',
      'to-replace': '0',
      'to-import': '0',
      'policy-result': 'pass',
      'policy-failures': '0',
      'tofu-version': mirror.tofuVersion,
      'conftest-version': mirror.conftestVersion,
    });
    const planJson = JSON.parse(readFileSync(run.outputs['plan-json-path']!, 'utf8')) as {
      resource_changes: unknown[];
    };
    expect(planJson.resource_changes).toHaveLength(2);
    expect(readFileSync(run.outputs['plan-text-path']!, 'utf8')).toMatch(/Plan: 2 to add, 0 to change, 0 to destroy/);
    expect(run.summary).toContain(mirror.archiveSha256.tofu);
    expect(run.summary).toContain(mirror.archiveSha256.conftest);
  });

  it('0: no changes', async () => {
    const run = await runPipeline({ mirror, toolCache, workspace: fixtureWorkspace('no-changes') });
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '0', 'has-changes': 'false', 'to-add': '0' });
  });

  it('1: a failing plan fails the run, with the precondition as an annotation on its file and line', async () => {
    const run = await runPipeline({ mirror, toolCache, workspace: fixtureWorkspace('plan-error') });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({ 'plan-exitcode': '1', 'has-changes': 'false', 'plan-json-path': '' });
    const errors = annotations(run.stdout, 'error');
    expect(
      errors.some((e) => /file=config\/main\.tf,line=1[0-9]/.test(e.props) && /refuses every branch/.test(e.message)),
    ).toBe(true);
    expect(run.stdout).toMatch(/::error::tofu plan failed/);
    expect(run.stderr + run.stdout).not.toMatch(STACK_FRAME);
  });

  it('1: an invalid configuration fails the plan, with file and line', async () => {
    const run = await runPipeline({ mirror, toolCache, workspace: fixtureWorkspace('validate-error') });
    expect(run.code).toBe(1);
    expect(run.outputs['plan-exitcode']).toBe('1');
    // tofu plan validates the configuration first: its own diagnostics name the error, no plan file is written.
    expect(run.stdout).toMatch(/::error::tofu plan failed/);
    expect(run.outputs['plan-json-path'] ?? '').toBe('');
    const errors = annotations(run.stdout, 'error');
    expect(
      errors.some((e) => /file=config\/main\.tf,line=7/.test(e.props) && /not_an_argument/.test(e.message + e.props)),
    ).toBe(true);
  });
});

describe('policy', () => {
  it('a violation fails the run after the plan is out, with the rule and the counts', async () => {
    const workspace = fixtureWorkspace('changes', {
      policies: path.join(repoRoot, 'test', 'fixtures', 'policies', 'deny-data'),
    });
    const run = await runPipeline({ mirror, toolCache, workspace, inputs: { 'policy-path': 'policies' } });
    expect(run.code).toBe(1);
    expect(run.outputs).toMatchObject({
      'plan-exitcode': '2',
      'to-add': '2',
      'policy-result': 'fail',
      'policy-failures': '2',
      'policy-warnings': '0',
    });
    expect(existsSync(run.outputs['plan-json-path']!)).toBe(true);
    expect(run.stdout).toMatch(/::error::Policy failed: 2 failure\(s\) \(FIX001\)/);
  });

  it.each([
    ['Rego without rules', 'policies/no-rules', /no policy rule in .* evaluated the tfvars/],
    ['no Rego at all', 'roots/no-changes', /conftest failed on the tfvars .*no policies found/],
  ])('a policy directory with %s is a failure, not a pass', async (_name, dir, message) => {
    const workspace = fixtureWorkspace('changes', { policies: path.join(repoRoot, 'test', 'fixtures', dir) });
    const run = await runPipeline({ mirror, toolCache, workspace, inputs: { 'policy-path': 'policies' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(message);
    expect(run.outputs['plan-exitcode']).toBeUndefined();
  });
});

describe('policy options', () => {
  it('policy-data: strict switches on the multi-tenancy rule, which the multitenancy input satisfies', async () => {
    const refused = await runPipeline({
      mirror,
      toolCache,
      workspace: fixtureWorkspace('changes'),
      inputs: { 'policy-data': 'strict' },
    });
    expect(refused.code).toBe(1);
    expect(refused.outputs).toMatchObject({ 'policy-result': 'fail', 'plan-exitcode': '2' });
    expect(refused.stdout).toMatch(/::error::Policy failed: 1 failure\(s\) \(FLUX009\)/);

    const locked = await runPipeline({
      mirror,
      toolCache,
      workspace: fixtureWorkspace('changes'),
      inputs: { 'policy-data': 'strict', multitenancy: 'true' },
    });
    expect(locked.code).toBe(0);
    expect(locked.outputs['policy-result']).toBe('pass');
    const tfvars = JSON.parse(readFileSync(locked.outputs['tfvars-path']!, 'utf8')) as {
      flux: { multitenancy: boolean };
    };
    expect(tfvars.flux.multitenancy).toBe(true);
  });

  it('a policy-data file missing from the workspace is refused before any tool runs', async () => {
    const run = await runPipeline({
      mirror,
      toolCache,
      workspace: fixtureWorkspace('changes'),
      inputs: { 'policy-data': 'policy/missing.yaml' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::Input 'policy-data': "policy\/missing.yaml" is not a file in the workspace/);
    expect(run.outputs['tofu-version']).toBeUndefined();
  });
});

describe('verified tools', () => {
  it.each([
    ['tampered archive', { tamperArchive: 'tofu' as const }, /SHA-256|checksum|digest/i],
    ['tampered checksum file', { tamperChecksums: 'tofu' as const }, /signature/i],
    ['bad signature', { badSignature: 'other-key' as const }, /signature/i],
    ['missing checksum file', { drop: ['checksums.txt'] }, /checksums\.txt/],
  ])('refuses a %s and runs nothing', async (_name, faults, message) => {
    mirror.setFaults(faults);
    try {
      const run = await runPipeline({ mirror, toolCache: sharedToolCache(), workspace: fixtureWorkspace('changes') });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(message);
      expect(run.outputs['plan-exitcode']).toBeUndefined();
      expect(run.stderr + run.stdout).not.toMatch(STACK_FRAME);
    } finally {
      mirror.setFaults({});
    }
  });
});

describe('secrets', () => {
  it('the kubeconfig appears in no log, output, summary or file other than its 0600 copy', async () => {
    const run = await runPipeline({ mirror, toolCache, workspace: fixtureWorkspace('changes') });
    expect(run.code).toBe(0);
    const token = 'kube-token-s3cr3t-0123456789';
    const printed =
      run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr + run.summary + JSON.stringify(run.outputs);
    expect(printed).not.toContain(token);
    const files = await readTree(run.home);
    const holders = files.filter((f) => f.content.includes(token)).map((f) => f.file);
    expect(holders.map((f) => path.basename(f))).toEqual(['kubeconfig']);
    expect(statSync(holders[0]!).mode & 0o777).toBe(0o600);
    expect(statSync(run.outputs['tfvars-path']!).mode & 0o777).toBe(0o600);
    const tfvars = JSON.parse(readFileSync(run.outputs['tfvars-path']!, 'utf8')) as {
      flux: { cluster: { kubeconfig_path: string } };
    };
    expect(tfvars.flux.cluster.kubeconfig_path).toBe(holders[0]);

    const post = await runAction({ home: run.home, entry: 'post', state: run.state });
    expect(post.code).toBe(0);
    expect(existsSync(holders[0]!)).toBe(false);
    expect((await readTree(run.runnerTemp)).filter((f) => f.content.includes(token))).toEqual([]);
  });
});
