// Pure mapping of the stage results onto the action's outputs (action.yml), so every output has one source.
import { fluxActionOutputs, plannedFluxOutputs } from '../apply/outputs.js';
import type { PlanRun } from '../plan/run.js';
import type { PlanSummary } from '../plan/summary.js';
import type { PolicyReport } from '../policy/findings.js';

/**
 * The plan's outputs. With a plan, flux-namespace, git-repository-name and kustomization-name come from its planned
 * outputs, so every run sets them, not only one that applies; the apply stage replaces them with the state's after
 * an apply, and gives them from the tfvars when there is no plan.
 */
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
    ...(plan.planJson === undefined ? {} : fluxActionOutputs(plannedFluxOutputs(plan.planJson))),
  };
}

export function policyOutputs(policy: PolicyReport): Record<string, string> {
  return {
    'policy-result': policy.result,
    'policy-failures': String(policy.failures.length),
    'policy-warnings': String(policy.warnings.length),
  };
}
