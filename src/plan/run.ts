// The plan stage's edge: tofu init → validate → plan -detailed-exitcode -out → show -json / show, in the working
// directory. Every step's exit code is read; the first failing step ends the stage with its diagnostics.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendSetting } from '../inputs/schema.js';
import { runProcess } from '../process.js';
import {
  describeDiagnostics,
  readableUiLine,
  uiDiagnostics,
  validateDiagnostics,
  type Diagnostic,
} from './diagnostics.js';
import { interpretPlanExitCode, type PlanOutcome } from './exit-code.js';

export interface PlanRequest {
  tofu: string;
  workingDirectory: string;
  tfvarsPath: string;
  backendConfig: BackendSetting[];
  /** Where the plan file, its JSON and its text are written (the run directory). */
  outputDirectory: string;
  env: NodeJS.ProcessEnv;
}

export interface PlanRun extends PlanOutcome {
  /** The step that failed, when one did. */
  failedStep?: 'init' | 'validate' | 'plan' | 'show';
  error?: string;
  diagnostics: Diagnostic[];
  planFile?: string;
  planJsonPath?: string;
  planTextPath?: string;
  planJson?: unknown;
  planText: string;
}

function failed(step: PlanRun['failedStep'], error: string, diagnostics: Diagnostic[], planText = ''): PlanRun {
  return { exitCode: 1, hasChanges: false, failed: true, failedStep: step, error, diagnostics, planText };
}

const LOCK_TIMEOUT = '3m';

export function backendArgs(settings: BackendSetting[]): string[] {
  return settings.map(({ key, value }) => `-backend-config=${key}=${value}`);
}

export async function runPlan(request: PlanRequest): Promise<PlanRun> {
  const { tofu, workingDirectory: cwd, env } = request;
  const run = (args: string[], echoLine?: (line: string) => string | null) =>
    runProcess(tofu, args, { cwd, env, echoLine });

  const init = await run(['init', '-input=false', '-no-color', ...backendArgs(request.backendConfig)]);
  if (init.exitCode !== 0) {
    const message = (init.stderr.trim() || init.stdout.trim()).split('\n').slice(-20).join('\n');
    return failed('init', `tofu init failed (exit ${init.exitCode}):\n${message}`, []);
  }

  const validate = await run(['validate', '-json', '-no-color'], () => null);
  const validateFindings = validateDiagnostics(validate.stdout);
  if (validate.exitCode !== 0) {
    const reason = describeDiagnostics(validateFindings) || validate.stderr.trim();
    return failed('validate', `tofu validate failed:\n${reason}`, validateFindings);
  }

  const planFile = path.join(request.outputDirectory, 'tfplan');
  // A pull request's plan may overlap the apply of main for the same state: wait for its lock rather than fail.
  const planArgs = [
    'plan',
    '-input=false',
    '-detailed-exitcode',
    '-json',
    `-lock-timeout=${LOCK_TIMEOUT}`,
    `-out=${planFile}`,
    `-var-file=${request.tfvarsPath}`,
  ];
  const plan = await run(planArgs, readableUiLine);
  const diagnostics = [...validateFindings, ...uiDiagnostics(plan.stdout)];
  const outcome = interpretPlanExitCode(plan.exitCode);
  if (outcome.failed) {
    const reason = describeDiagnostics(diagnostics) || plan.stderr.trim() || `exit code ${plan.exitCode}`;
    return failed('plan', `tofu plan failed:\n${reason}`, diagnostics, plan.stdout);
  }

  const [json, text] = await Promise.all([
    run(['show', '-json', planFile], () => null),
    runProcess(tofu, ['show', '-no-color', planFile], { cwd, env, echo: false }),
  ]);
  if (json.exitCode !== 0 || text.exitCode !== 0) {
    return failed('show', `tofu show failed: ${json.stderr.trim() || text.stderr.trim()}`, diagnostics);
  }
  const planJsonPath = path.join(request.outputDirectory, 'plan.json');
  const planTextPath = path.join(request.outputDirectory, 'plan.txt');
  await Promise.all([
    fs.writeFile(planJsonPath, json.stdout, { mode: 0o600 }),
    fs.writeFile(planTextPath, text.stdout, { mode: 0o600 }),
  ]);
  return {
    ...outcome,
    diagnostics,
    planFile,
    planJsonPath,
    planTextPath,
    planJson: JSON.parse(json.stdout) as unknown,
    planText: text.stdout,
  };
}
