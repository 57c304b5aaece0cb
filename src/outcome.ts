// Pure: whether the run as a whole failed, and the one message that says why. A policy failure fails the run only
// after the plan and its report are out, so reviewers still see what would change.
import type { PolicyReport } from './policy/findings.js';

export interface RunFacts {
  planError?: string;
  policy: PolicyReport;
  applyError?: string;
  healthError?: string;
}

export function runFailure(facts: RunFacts): string | undefined {
  const reasons: string[] = [];
  if (facts.planError) reasons.push(facts.planError);
  if (facts.policy.result === 'fail') {
    const ids = [...new Set(facts.policy.failures.map((f) => f.ruleId ?? f.namespace))].join(', ');
    reasons.push(`Policy failed: ${facts.policy.failures.length} failure(s) (${ids}); see the report for each.`);
  }
  if (facts.applyError) reasons.push(facts.applyError);
  if (facts.healthError) reasons.push(facts.healthError);
  return reasons.length > 0 ? reasons.join('\n') : undefined;
}
