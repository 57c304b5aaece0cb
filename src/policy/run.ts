// The policy stage's edge: runs the real conftest on one input and reads its JSON report. Conftest's exit code
// decides pass or fail; output that is not conftest's JSON is a tool failure, never a pass.
import { runProcess, toolEnvironment } from '../process.js';
import { parseConftestOutput, type PolicyInput, type PolicyReport } from './findings.js';

export class PolicyToolError extends Error {}

export type PolicyPart = { input: PolicyInput; report: Omit<PolicyReport, 'result' | 'inputs'> };

export interface PolicySet {
  policyPath: string;
  /** Conftest data files that switch on the policies' options (`--data`). */
  policyData: string[];
}

export async function runConftest(
  conftest: string,
  policies: PolicySet,
  input: PolicyInput,
  file: string,
): Promise<PolicyPart> {
  const { policyPath } = policies;
  const data = policies.policyData.flatMap((f) => ['--data', f]);
  const args = ['test', '--policy', policyPath, ...data, '--all-namespaces', '--output', 'json', '--no-color', file];
  const result = await runProcess(conftest, args, { cwd: policyPath, env: toolEnvironment(), echo: false });
  let report: PolicyPart['report'];
  try {
    report = parseConftestOutput(input, result.stdout);
  } catch {
    throw new PolicyToolError(
      `conftest failed on the ${input} (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  if (result.exitCode !== 0 && report.failures.length === 0) {
    throw new PolicyToolError(
      `conftest exited ${result.exitCode} on the ${input} without reporting a failure: ${result.stderr.trim()}`,
    );
  }
  // A policy directory whose rules never matched this input would "pass" by checking nothing: fail closed.
  if (report.successes + report.failures.length + report.warnings.length === 0) {
    throw new PolicyToolError(
      `no policy rule in ${policyPath} evaluated the ${input}; check policy-path and the policies' packages`,
    );
  }
  if (result.exitCode === 0 && report.failures.length > 0) {
    throw new PolicyToolError(`conftest exited 0 on the ${input} but reported failures; refusing to guess`);
  }
  return { input, report };
}
