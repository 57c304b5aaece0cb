// Pure mapping of the stage results onto the action's outputs (action.yml), so every output has one source.
import type { PlanRun } from '../plan/run.js';
import type { PlanSummary } from '../plan/summary.js';
import type { PolicyReport } from '../policy/findings.js';

export function planOutputs(plan: PlanRun, summary: PlanSummary | undefined): Record<string, string> {
  const count = (n: number | undefined): string => String(n ?? 0);
  return {
    'plan-exitcode': String(plan.exitCode),
    'has-changes': String(plan.hasChanges),
    'to-add': count(summary?.add),
    'to-change': count(summary?.change),
    'to-destroy': count(summary?.destroy),
    'to-replace': count(summary?.replace),
    'to-import': count(summary?.import),
    'plan-json-path': plan.planJsonPath ?? '',
    'plan-text-path': plan.planTextPath ?? '',
  };
}

export function policyOutputs(policy: PolicyReport): Record<string, string> {
  return {
    'policy-result': policy.result,
    'policy-failures': String(policy.failures.length),
    'policy-warnings': String(policy.warnings.length),
  };
}
