// Pure rendering of the health wait for the job summary: the outcome, each object's revision and conditions.
import { tableCell } from '../report/comment-markdown.js';
import type { HealthReport } from './wait.js';

const OUTCOME: Record<HealthReport['outcome'], string> = {
  ready: 'Flux is ready',
  failed: 'Flux failed to reconcile',
  timeout: 'Flux was not ready in time',
};

export function renderHealthSection(report: HealthReport): string {
  const lines = [`### Flux health\n`, `**${OUTCOME[report.outcome]}.** ${tableCell(report.message)}\n`];
  for (const { object, readiness } of report.health?.objects ?? []) {
    const revision =
      object.kind === 'Kustomization'
        ? `applied \`${object.revision ?? 'none'}\`, attempted \`${object.lastAttemptedRevision ?? 'none'}\``
        : `artifact \`${object.revision ?? 'none'}\``;
    lines.push(`#### ${object.kind} \`${object.namespace}/${object.name}\`: ${readiness.state} (${revision})\n`);
    if (!object.found) {
      lines.push('Not found.\n');
      continue;
    }
    lines.push('| condition | status | reason | message |', '| --- | --- | --- | --- |');
    for (const c of object.conditions) {
      lines.push(
        `| ${tableCell(c.type)} | ${c.status} | ${tableCell(c.reason ?? '')} | ${tableCell(c.message ?? '')} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
