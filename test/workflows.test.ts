// Every workflow file of the project (its own CI and end-to-end run) and every example the README shows is checked
// by the real actionlint (built by scripts/test-tools.sh) and by the action's own metadata: a step that uses this
// action may only pass inputs action.yml declares, and never a secret as a literal.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SECRET_INPUTS } from '../src/inputs/schema.js';
import { tools } from './support/tools.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const WORKFLOW_DIRS = ['.github/workflows', 'examples/workflows'];
const ACTION_REF = /^(\.\/?|wildside\/flux-bootstrap@.+)$/;

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
const eventsOf = (workflow: { on?: unknown }): string[] =>
  typeof workflow.on === 'string' ? [workflow.on] : Object.keys(workflow.on ?? {});
interface Job {
  if?: string;
  permissions?: Record<string, string> | string;
  concurrency?: { group?: string; 'cancel-in-progress'?: unknown } | string;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
}
interface Workflow {
  on?: unknown;
  permissions?: Record<string, string> | string;
  jobs?: Record<string, Job>;
}

const workflowFiles = (): string[] =>
  WORKFLOW_DIRS.flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `${dir}/${name}`),
  ).sort();

const readWorkflow = (file: string): Workflow => parse(readFileSync(path.join(ROOT, file), 'utf8')) as Workflow;
const actionInputs = (): Set<string> => {
  const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> };
  return new Set(Object.keys(action.inputs));
};

interface Finding {
  message: string;
  filepath: string;
  line: number;
  kind: string;
}

/** Runs actionlint with JSON output in `cwd`; exit code 1 means findings, anything else but 0 a tool error. */
async function actionlint(cwd: string, files: string[]): Promise<{ code: number; findings: Finding[] }> {
  try {
    const { stdout } = await promisify(execFile)(tools.actionlint, ['-format', '{{json .}}', ...files], { cwd });
    return { code: 0, findings: JSON.parse(stdout) as Finding[] };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    if (failure.code !== 1) {
      throw new Error(`actionlint failed (exit ${failure.code}): ${failure.stderr}`, { cause: error });
    }
    return { code: 1, findings: JSON.parse(failure.stdout ?? '[]') as Finding[] };
  }
}

/** One line per problem with a step that uses this action: unknown inputs, or a secret input given as a literal. */
function actionStepProblems(file: string, workflow: Workflow, inputs: Set<string>): string[] {
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (!step.uses || !ACTION_REF.test(step.uses)) continue;
      const where = `${file}: jobs.${jobName}.steps[${index}] (${step.uses})`;
      for (const [key, value] of Object.entries(step.with ?? {})) {
        if (!inputs.has(key)) problems.push(`${where}: input '${key}' is not in action.yml`);
        const secret = (SECRET_INPUTS as readonly string[]).includes(key);
        if (secret && !/^\$\{\{.*\}\}$/s.test(String(value).trim()))
          problems.push(`${where}: secret input '${key}' is a literal, not an expression`);
      }
    }
  }
  return problems;
}

const usesAction = (job: Job): Step[] => (job.steps ?? []).filter((s) => s.uses && ACTION_REF.test(s.uses));
const pullRequestOnly = (job: Job): boolean => /github\.event_name == 'pull_request'/.test(job.if ?? '');
/** A job that can apply: it accepts applying and runs on events other than pull requests. */
const applies = (job: Job): boolean =>
  !pullRequestOnly(job) && usesAction(job).some((s) => String(s.with?.['accept-apply']) === 'true');

describe('workflow files', () => {
  const files = workflowFiles();
  const temp: string[] = [];
  afterAll(() => temp.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('include the project CI, the end-to-end run and the README examples', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/e2e.yml',
        'examples/workflows/flux.yml',
        'examples/workflows/many-clusters.yml',
        'examples/workflows/doks.yml',
        'examples/workflows/drift.yml',
      ]),
    );
  });

  it('pass actionlint with no findings (uses: ./ is checked against action.yml and dist/)', async () => {
    // Without .git actionlint would skip `uses: ./` silently (see the next test).
    expect(existsSync(path.join(ROOT, '.git'))).toBe(true);
    const result = await actionlint(ROOT, files);
    expect(result.findings.map((f) => `${f.filepath}:${f.line} [${f.kind}] ${f.message}`)).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('actionlint does report a workflow passing an input this action does not have', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flux-actionlint-'));
    temp.push(dir);
    // actionlint resolves `uses: ./` only inside a project: a directory with .git and .github/workflows.
    mkdirSync(path.join(dir, '.git'));
    cpSync(path.join(ROOT, 'action.yml'), path.join(dir, 'action.yml'));
    mkdirSync(path.join(dir, 'dist/post'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/index.js'), '');
    writeFileSync(path.join(dir, 'dist/post/index.js'), '');
    mkdirSync(path.join(dir, '.github/workflows'), { recursive: true });
    const workflow = readFileSync(path.join(ROOT, '.github/workflows/e2e.yml'), 'utf8').replace(
      'git-path: ./.github/e2e/fleet',
      'git-paht: ./.github/e2e/fleet',
    );
    writeFileSync(path.join(dir, '.github/workflows/e2e.yml'), workflow);
    const result = await actionlint(dir, ['.github/workflows/e2e.yml']);
    expect(result.code).toBe(1);
    expect(result.findings.map((f) => f.message)).toContainEqual(
      expect.stringContaining('input "git-paht" is not defined in action'),
    );
  });

  it('pass this action only inputs declared in action.yml, and secrets only as expressions', () => {
    const inputs = actionInputs();
    const steps = files.flatMap((file) => Object.values(readWorkflow(file).jobs ?? {}).flatMap(usesAction));
    expect(steps.length).toBeGreaterThanOrEqual(7);
    expect(files.flatMap((file) => actionStepProblems(file, readWorkflow(file), inputs))).toEqual([]);
  });

  it('the input check finds an unknown input and a literal kubeconfig', () => {
    const workflow: Workflow = {
      jobs: {
        plan: {
          steps: [
            {
              uses: 'wildside/flux-bootstrap@v1',
              with: { 'git-url': 'x', gitpath: './', kubeconfig: 'apiVersion: v1' },
            },
          ],
        },
      },
    };
    expect(actionStepProblems('bad.yml', workflow, actionInputs())).toEqual([
      "bad.yml: jobs.plan.steps[0] (wildside/flux-bootstrap@v1): input 'gitpath' is not in action.yml",
      "bad.yml: jobs.plan.steps[0] (wildside/flux-bootstrap@v1): secret input 'kubeconfig' is a literal, not an expression",
    ]);
  });

  it('never run on pull_request_target, and never grant more than contents: read', () => {
    for (const file of files) {
      const workflow = readWorkflow(file);
      const events = eventsOf(workflow);
      expect(events, file).not.toContain('pull_request_target');
      const grants = [workflow.permissions, ...Object.values(workflow.jobs ?? {}).map((job) => job.permissions)];
      for (const grant of grants) {
        expect(grant, file).not.toBe('write-all');
        if (grant && typeof grant === 'object') expect(grant.contents ?? 'read', file).toBe('read');
      }
    }
  });
});

describe('README examples', () => {
  const examples = workflowFiles().filter((file) => file.startsWith('examples/'));

  it('declare permissions per job, pull-requests: write only in jobs that run this action', () => {
    for (const file of examples) {
      const workflow = readWorkflow(file);
      expect(workflow.permissions, file).toEqual({});
      for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
        expect(job.permissions, `${file} ${name}`).toEqual(expect.objectContaining({ contents: 'read' }));
        if (usesAction(job).length === 0)
          expect(job.permissions, `${file} ${name}`).not.toHaveProperty('pull-requests');
      }
    }
  });

  it('apply in one never-cancelled concurrency group per cluster, never on pull requests', () => {
    const applyJobs = examples.flatMap((file) =>
      Object.entries(readWorkflow(file).jobs ?? {})
        .filter(([, job]) => applies(job))
        .map(([name, job]) => ({ where: `${file} ${name}`, job })),
    );
    expect(applyJobs.length).toBeGreaterThanOrEqual(2);
    for (const { where, job } of applyJobs) {
      expect(job.if, where).toMatch(/github\.event_name (!= 'pull_request'|== 'push')/);
      const concurrency = job.concurrency as { group: string; 'cancel-in-progress': unknown };
      expect(concurrency['cancel-in-progress'], where).toBe(false);
      const target = String(usesAction(job)[0]?.with?.target);
      // The group names the cluster the job targets: the target itself, or the matrix value it is made of.
      const cluster = job.strategy?.matrix ? /\$\{\{ matrix\.\w+ \}\}/.exec(target)?.[0] : target;
      expect(cluster, where).toBeTruthy();
      expect(concurrency.group, where).toContain(cluster);
    }
  });

  it('can be started by hand where they apply (the README says to re-run main after a failed health wait)', () => {
    let checked = 0;
    for (const file of examples) {
      const workflow = readWorkflow(file);
      for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
        if (!applies(job)) continue;
        expect(eventsOf(workflow), file).toContain('workflow_dispatch');
        // A job limited to push events would skip the manual run.
        expect(job.if, `${file} ${name}`).toBe("github.event_name != 'pull_request'");
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  it('check out without leaving the token in .git/config, where tofu and the providers could read it', () => {
    const checkouts = examples.flatMap((file) =>
      Object.entries(readWorkflow(file).jobs ?? {}).flatMap(([name, job]) =>
        (job.steps ?? [])
          .filter((step) => step.uses?.startsWith('actions/checkout@'))
          .map((step) => ({ where: `${file} ${name}`, step })),
      ),
    );
    expect(checkouts.length).toBeGreaterThanOrEqual(5);
    for (const { where, step } of checkouts) expect(step.with?.['persist-credentials'], where).toBe(false);
  });

  it('pass the same inputs on pull requests and on main, so main plans what the pull request reviewed', () => {
    let compared = 0;
    for (const file of examples) {
      const jobs = Object.values(readWorkflow(file).jobs ?? {});
      const plan = jobs.find(pullRequestOnly);
      const apply = jobs.find(applies);
      if (!plan || !apply) continue;
      // The kubeconfig may differ: a read-only planner for pull requests, the admin behind an environment for main.
      const withoutKubeconfig = (job: typeof plan) =>
        Object.fromEntries(Object.entries(usesAction(job)[0]?.with ?? {}).filter(([name]) => name !== 'kubeconfig'));
      expect(withoutKubeconfig(apply), file).toEqual(withoutKubeconfig(plan));
      compared += 1;
    }
    expect(compared).toBeGreaterThanOrEqual(2);
  });

  it('plan main for drift on a schedule without applying or commenting; issues: write only with drift-issue', () => {
    let scheduled = 0;
    for (const file of examples) {
      const workflow = readWorkflow(file);
      for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
        const where = `${file} ${name}`;
        const withDriftIssue = usesAction(job).some((s) => String(s.with?.['drift-issue']) === 'true');
        const grant = typeof job.permissions === 'object' ? job.permissions.issues : undefined;
        expect(grant, where).toBe(withDriftIssue ? 'write' : undefined);
        if (!eventsOf(workflow).includes('schedule')) continue;
        expect(eventsOf(workflow), file).toEqual(expect.arrayContaining(['schedule', 'workflow_dispatch']));
        expect(applies(job), where).toBe(false);
        for (const step of usesAction(job)) expect(String(step.with?.comment), where).toBe('false');
        expect(withDriftIssue, where).toBe(true);
        scheduled += 1;
      }
    }
    expect(scheduled).toBeGreaterThanOrEqual(1);
  });

  it('give the quick start’s plan job the read-only planner and its apply job the admin kubeconfig of an environment', () => {
    const jobs = Object.values(readWorkflow('examples/workflows/flux.yml').jobs ?? {});
    const plan = jobs.find(pullRequestOnly)!;
    const apply = jobs.find(applies)!;
    expect(usesAction(plan)[0]?.with?.kubeconfig).toBe('${{ secrets.DEV_PLANNER_KUBECONFIG }}');
    expect(usesAction(apply)[0]?.with?.kubeconfig).toBe('${{ secrets.DEV_KUBECONFIG }}');
    expect((apply as { environment?: unknown }).environment).toBe('dev');
    expect((plan as { environment?: unknown }).environment).toBeUndefined();
  });

  it('give every job that only plans a planner kubeconfig, and every applying job its admin one in an environment', () => {
    let checked = 0;
    for (const file of examples) {
      for (const [name, job] of Object.entries(readWorkflow(file).jobs ?? {})) {
        const kubeconfig = usesAction(job)
          .map((s) => s.with?.kubeconfig)
          .find((k) => k !== undefined);
        if (kubeconfig === undefined) continue;
        const where = `${file} ${name}`;
        if (applies(job)) {
          expect(kubeconfig, where).not.toMatch(/PLANNER/);
          expect((job as { environment?: unknown }).environment, where).toBeDefined();
        } else expect(kubeconfig, where).toMatch(/PLANNER_KUBECONFIG/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('give every matrix entry its own target, so each cluster has its own PR comment', () => {
    const matrixJobs = examples.flatMap((file) =>
      Object.values(readWorkflow(file).jobs ?? {}).filter((job) => job.strategy?.matrix && usesAction(job).length),
    );
    expect(matrixJobs.length).toBeGreaterThanOrEqual(2);
    for (const job of matrixJobs) {
      for (const step of usesAction(job)) expect(String(step.with?.target)).toMatch(/\$\{\{ matrix\.\w+ \}\}/);
    }
  });
});
