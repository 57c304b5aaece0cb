// Pure reading of `conftest test --output json` into PolicyReport: which rules failed or warned, on which input.
// Exit codes decide pass/fail at the edge; this only explains them.

export type PolicyInput = 'tfvars' | 'plan';

export interface PolicyFinding {
  input: PolicyInput;
  /** Stable rule id (FLUX001…) when the message starts with one. */
  ruleId?: string;
  message: string;
  namespace: string;
  /** The resource address or input the rule concerns, when the policy says (metadata.resource). */
  subject?: string;
}

export interface PolicyReport {
  result: 'pass' | 'fail';
  failures: PolicyFinding[];
  warnings: PolicyFinding[];
  /** Number of rule evaluations that passed, summed over the inputs checked. */
  successes: number;
  inputs: PolicyInput[];
}

interface ConftestResult {
  msg: string;
  metadata?: { resource?: unknown; rule_id?: unknown; [key: string]: unknown };
}

interface ConftestOutput {
  filename?: string;
  namespace?: string;
  successes?: number;
  failures?: ConftestResult[] | null;
  warnings?: ConftestResult[] | null;
}

const RULE_ID = /^\s*\[?([A-Z]+[0-9]{3})\]?[:\s]/;

function toFinding(input: PolicyInput, namespace: string, result: ConftestResult): PolicyFinding {
  const metaId = typeof result.metadata?.rule_id === 'string' ? result.metadata.rule_id : undefined;
  const ruleId = metaId ?? RULE_ID.exec(result.msg)?.[1];
  const subject = typeof result.metadata?.resource === 'string' ? result.metadata.resource : undefined;
  return { input, ruleId, message: result.msg, namespace, subject };
}

/** Parses one conftest JSON run; throws when the output is not conftest's JSON (a tool failure, not a finding). */
export function parseConftestOutput(input: PolicyInput, stdout: string): Omit<PolicyReport, 'result' | 'inputs'> {
  const parsed = JSON.parse(stdout) as unknown;
  if (!Array.isArray(parsed)) throw new Error('conftest --output json did not print a JSON array');
  const report = { failures: [] as PolicyFinding[], warnings: [] as PolicyFinding[], successes: 0 };
  for (const entry of parsed as ConftestOutput[]) {
    const namespace = entry.namespace ?? 'main';
    report.successes += entry.successes ?? 0;
    for (const f of entry.failures ?? []) report.failures.push(toFinding(input, namespace, f));
    for (const w of entry.warnings ?? []) report.warnings.push(toFinding(input, namespace, w));
  }
  return report;
}

export function mergePolicyReports(
  parts: { input: PolicyInput; report: Omit<PolicyReport, 'result' | 'inputs'> }[],
): PolicyReport {
  const failures = parts.flatMap((p) => p.report.failures);
  return {
    result: failures.length > 0 ? 'fail' : 'pass',
    failures,
    warnings: parts.flatMap((p) => p.report.warnings),
    successes: parts.reduce((sum, p) => sum + p.report.successes, 0),
    inputs: parts.map((p) => p.input),
  };
}
