// The plan stage's edge: tofu init → plan -detailed-exitcode -out → show -json / show, in the working directory.
// Every step's exit code is read; the first failing step ends the stage with its diagnostics. No separate
// `tofu validate`: plan validates the configuration first and reports the same diagnostics, and a validate of its
// own starts every provider once more (about a second of each run on the shipped root).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BackendSetting } from '../inputs/schema.js';
import { runProcess } from '../process.js';
import { describeDiagnostics, readableUiLine, uiDiagnostics, type Diagnostic } from './diagnostics.js';
import { interpretPlanExitCode, type PlanOutcome } from './exit-code.js';

export interface PlanRequest {
  tofu: string;
  workingDirectory: string;
  tfvarsPath: string;
  backendConfig: BackendSetting[];
  /** Where the plan file, its JSON and its text are written (the run directory). */
  outputDirectory: string;
  env: NodeJS.ProcessEnv;
  /**
   * Set when the run removes Flux (install false) with no cluster credentials: that is fine only while the state
   * holds nothing, so the plan stage checks the state before planning instead of letting the providers fail.
   */
  noClusterCredentials?: boolean;
}

export interface PlanRun extends PlanOutcome {
  /** The step that failed, when one did. */
  failedStep?: 'init' | 'credentials' | 'plan' | 'show';
  error?: string;
  diagnostics: Diagnostic[];
  planFile?: string;
  planJsonPath?: string;
  planTextPath?: string;
  planJson?: unknown;
  planText: string;
  /** The providers init selected, by source address (`tofu version -json`): what this plan was made with. */
  providers: Record<string, string>;
}

function failed(
  step: PlanRun['failedStep'],
  error: string,
  diagnostics: Diagnostic[],
  planText = '',
  providers: Record<string, string> = {},
): PlanRun {
  return { exitCode: 1, hasChanges: false, failed: true, failedStep: step, error, diagnostics, planText, providers };
}

/** Pure: `tofu version -json`'s provider selections, `registry.opentofu.org/` left out; {} when unreadable. */
export function providerSelections(json: string): Record<string, string> {
  try {
    const selections = (JSON.parse(json) as { provider_selections?: Record<string, unknown> }).provider_selections;
    return Object.fromEntries(
      Object.entries(selections ?? {})
        .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
        .map(([source, version]) => [source.replace(/^registry\.opentofu\.org\//, ''), version]),
    );
  } catch {
    return {};
  }
}

const LOCK_TIMEOUT = '3m';

export function backendArgs(settings: BackendSetting[]): string[] {
  return settings.map(({ key, value }) => `-backend-config=${key}=${value}`);
}

interface StateModule {
  resources?: { address?: string; mode?: string }[];
  child_modules?: StateModule[];
}

/** Pure: the managed resources' addresses in `tofu show -json` state output (data sources left out). */
export function stateAddresses(json: string): string[] {
  const root = (JSON.parse(json) as { values?: { root_module?: StateModule } }).values?.root_module;
  const walk = (m: StateModule | undefined): string[] => [
    ...(m?.resources ?? []).filter((r) => r.mode === 'managed' && r.address).map((r) => r.address!),
    ...(m?.child_modules ?? []).flatMap(walk),
  ];
  return walk(root);
}

/**
 * Pure: why a removal cannot be planned without cluster credentials, given the managed resources in state; null
 * when the state holds none (then the plan is a clean "no changes").
 */
export function removalWithoutCluster(held: string[]): string | null {
  if (held.length === 0) return null;
  const named = held.slice(0, 3).join(', ') + (held.length > 3 ? ` and ${held.length - 3} more` : '');
  return `Input 'install' is false and the state still holds what an earlier run installed (${named}): removing it needs the cluster. Give 'kubeconfig', or 'cluster-name' with 'digitalocean-token', to plan the removal.`;
}

export async function runPlan(request: PlanRequest): Promise<PlanRun> {
  const { tofu, workingDirectory: cwd, env } = request;
  const run = (args: string[], echoLine?: (line: string) => string | null) =>
    runProcess(tofu, args, { cwd, env, echoLine });

  // -json: init's diagnostics arrive whole (summary and detail), as plan's do, instead of wrapped text to cut.
  const init = await run(
    ['init', '-input=false', '-no-color', '-json', ...backendArgs(request.backendConfig)],
    readableUiLine,
  );
  if (init.exitCode !== 0) {
    const initFindings = uiDiagnostics(init.stdout);
    const reason = describeDiagnostics(initFindings) || init.stderr.trim() || `exit code ${init.exitCode}`;
    return failed('init', `tofu init failed (exit ${init.exitCode}):\n${reason}`, initFindings);
  }

  const providers = providerSelections((await run(['version', '-json'], () => null)).stdout);

  if (request.noClusterCredentials) {
    // `show -json` without a plan file prints the current state (`{"format_version":…}` alone when there is none).
    const state = await run(['show', '-json', '-no-color'], () => null);
    const problem =
      state.exitCode === 0
        ? removalWithoutCluster(stateAddresses(state.stdout))
        : `tofu show failed (exit ${state.exitCode}), so it is not known whether the state holds Flux: give the cluster credentials ('kubeconfig', or 'cluster-name' with 'digitalocean-token').\n${state.stderr.trim()}`;
    if (problem) return failed('credentials', problem, [], '', providers);
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
  const diagnostics = uiDiagnostics(plan.stdout);
  const outcome = interpretPlanExitCode(plan.exitCode);
  if (outcome.failed) {
    const reason = describeDiagnostics(diagnostics) || plan.stderr.trim() || `exit code ${plan.exitCode}`;
    return failed('plan', `tofu plan failed:\n${reason}`, diagnostics, plan.stdout, providers);
  }

  const [json, text] = await Promise.all([
    run(['show', '-json', planFile], () => null),
    runProcess(tofu, ['show', '-no-color', planFile], { cwd, env, echo: false }),
  ]);
  if (json.exitCode !== 0 || text.exitCode !== 0) {
    return failed('show', `tofu show failed: ${json.stderr.trim() || text.stderr.trim()}`, diagnostics, '', providers);
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
    providers,
  };
}
