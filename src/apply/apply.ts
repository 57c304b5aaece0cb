// The apply stage's edge: `tofu apply` of this run's saved plan file, never a fresh plan, then the configuration's
// outputs. The process runner forwards SIGINT/SIGTERM to tofu, so a cancelled job lets it stop and release the state
// lock instead of leaving it held.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describeDiagnostics, readableUiLine, uiDiagnostics, type Diagnostic } from '../plan/diagnostics.js';
import { runProcess } from '../process.js';
import { OutputsError, parseFluxOutputs, type FluxOutputs } from './outputs.js';

export interface ApplyRequest {
  tofu: string;
  workingDirectory: string;
  /** The `-out` file written by this run's plan stage. */
  planFile: string;
  env: NodeJS.ProcessEnv;
}

export interface ApplyResult {
  applied: boolean;
  exitCode: number;
  diagnostics: Diagnostic[];
  /** Why the apply failed, for the run's failure message; absent when it succeeded. */
  error?: string;
}

export class ApplyError extends Error {}

/**
 * The log line of one `apply -json` UI line: readableUiLine's, plus the detail of a diagnostic on the lines below its
 * summary. A provider's message is often all in the detail (the helm provider's "Helm uninstall returned an
 * information message" names the resources it kept there), and nothing else prints an apply's warnings.
 */
export function applyUiLine(line: string): string | null {
  const shown = readableUiLine(line);
  if (shown === null || !line.startsWith('{')) return shown;
  let detail: unknown;
  try {
    const parsed = JSON.parse(line) as { type?: string; diagnostic?: { detail?: unknown } };
    detail = parsed.type === 'diagnostic' ? parsed.diagnostic?.detail : undefined;
  } catch {
    return shown;
  }
  if (typeof detail !== 'string' || detail.trim() === '') return shown;
  const indented = detail
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n');
  return `${shown}\n${indented}`;
}

/** Refuses anything but an existing plan file: `tofu apply` without one would plan afresh. */
async function requirePlanFile(planFile: string): Promise<void> {
  const stat = path.isAbsolute(planFile) ? await fs.stat(planFile).catch(() => null) : null;
  if (!stat?.isFile()) {
    throw new ApplyError(`The saved plan file of this run is missing ("${planFile}"): refusing to apply without it.`);
  }
}

export async function applySavedPlan(request: ApplyRequest): Promise<ApplyResult> {
  await requirePlanFile(request.planFile);
  const args = ['apply', '-input=false', '-auto-approve', '-json', request.planFile];
  const run = await runProcess(request.tofu, args, {
    cwd: request.workingDirectory,
    env: request.env,
    echoLine: applyUiLine,
  });
  const diagnostics = uiDiagnostics(run.stdout);
  if (run.exitCode === 0) return { applied: true, exitCode: 0, diagnostics };
  const reason = describeDiagnostics(diagnostics) || run.stderr.trim() || `exit code ${run.exitCode}`;
  return {
    applied: false,
    exitCode: run.exitCode,
    diagnostics,
    // Part of the plan may have been applied before the failure; the state records exactly which part.
    error: `tofu apply failed (exit ${run.exitCode}); changes made before the failure are recorded in the state:\n${reason}`,
  };
}

/** `tofu output -json`, captured without echo: it prints sensitive outputs in clear. */
export async function readFluxOutputs(request: Omit<ApplyRequest, 'planFile'>): Promise<FluxOutputs> {
  const run = await runProcess(request.tofu, ['output', '-json', '-no-color'], {
    cwd: request.workingDirectory,
    env: request.env,
    echo: false,
  });
  if (run.exitCode !== 0) throw new OutputsError(`tofu output failed (exit ${run.exitCode}): ${run.stderr.trim()}`);
  return parseFluxOutputs(run.stdout);
}
