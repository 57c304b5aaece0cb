// Pure rendering of the gate's decision for the job summary: applied or not, every missing condition, the
// reviewed-plan verdict and where the state lives.
import type { ReviewVerdict } from '../review/compare.js';
import type { BackendInfo } from './backend.js';
import type { ApplyDecision } from './decision.js';

export function renderGateSection(decision: ApplyDecision, review: ReviewVerdict, backend: BackendInfo): string {
  const lines = ['### Apply gate\n', `**${decision.summary}**\n`];
  for (const reason of decision.reasons) lines.push(`- ${reason}`);
  if (decision.reasons.length > 0) lines.push('');
  lines.push(`- State backend: \`${backend.type}\` (${backend.backend}).`);
  lines.push(`- Reviewed plan: ${review.status}. ${review.message}`);
  for (const difference of review.differences) lines.push(`  - ${difference}`);
  return `${lines.join('\n')}\n`;
}
