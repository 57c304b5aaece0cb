// The PR comment's sections, each rendered from the report alone. Lists are returned as data (ListSection) so
// that the budget (comment-budget.ts) can shorten them; everything else is short and fixed in size.
import type { PolicyFinding, PolicyReport } from '../policy/findings.js';
import type { AttributeChange } from '../plan/attributes.js';
import type { PlanSummary, ResourceAction, ResourceChange } from '../plan/summary.js';
import type { PlanReport } from './comment.js';
import { formatNumber, inlineCode, joinWords, plural, tableCell } from './comment-markdown.js';

export interface ListSection {
  /** Where it goes: policy findings, resource (and output) changes, or drift. */
  group: 'policy' | 'changes' | 'drift';
  /** Shortening order when over budget: lower keeps its items longest. */
  priority: number;
  /** Markdown title, e.g. "**Destroy** (2)". */
  title: string;
  /** Plain-text title for a <summary> when the list is collapsed. */
  summaryTitle: string;
  intro?: string;
  /** Table header lines, when the items are table rows. */
  header?: string;
  items: string[];
  /** Long lists are collapsed so that the comment stays readable. */
  collapsible: boolean;
}

interface ActionInfo {
  action: ResourceAction;
  label: string;
  priority: number;
}

// Dangerous actions first, in the comment and in what survives shortening.
const ACTIONS: ActionInfo[] = [
  { action: 'delete', label: 'Destroy', priority: 1 },
  { action: 'replace', label: 'Replace', priority: 2 },
  { action: 'create', label: 'Create', priority: 5 },
  { action: 'update', label: 'Update in place', priority: 4 },
  { action: 'import', label: 'Import', priority: 6 },
  { action: 'move', label: 'Move', priority: 7 },
  { action: 'forget', label: 'Forget (removed from state, not destroyed)', priority: 3 },
  { action: 'read', label: 'Read (data sources)', priority: 9 },
];

const REASONS: Record<string, string> = {
  replace_because_tainted: 'tainted',
  replace_by_request: 'replacement requested',
  replace_by_triggers: 'replace_triggered_by',
  replace_because_cannot_update: 'cannot be updated in place',
  delete_because_no_resource_config: 'not in the configuration',
  delete_because_no_module: 'its module is gone',
  delete_because_wrong_repetition: 'count/for_each changed',
  delete_because_count_index: 'count no longer includes it',
  delete_because_each_key: 'for_each no longer includes it',
  delete_because_no_move_target: 'moved to an address that does not exist',
  read_because_config_unknown: 'configuration known only after apply',
  read_because_dependency_pending: 'depends on pending changes',
};

const STATUS_ICON = { ok: '✅', fail: '❌', warn: '⚠️' } as const;

// The header counts what the lists below count, one entry per resource: a replacement is one replacement (not an
// add and a destroy, as tofu's own line counts it), an imported or moved object that also changes is counted by
// that change (the list notes the import or move).
const COUNT_WORDS: [ResourceAction, string][] = [
  ['create', 'to add'],
  ['update', 'to change'],
  ['delete', 'to destroy'],
  ['replace', 'to replace'],
  ['import', 'to import'],
  ['move', 'to move'],
  ['forget', 'to forget'],
  ['read', 'to read'],
];
const ALWAYS_COUNTED = new Set<ResourceAction>(['create', 'update', 'delete']);

export function planCounts(s: PlanSummary): string {
  const counts = new Map<ResourceAction, number>();
  for (const c of s.changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  return COUNT_WORDS.filter(([action]) => ALWAYS_COUNTED.has(action) || (counts.get(action) ?? 0) > 0)
    .map(([action, words]) => `${formatNumber(counts.get(action) ?? 0)} ${words}`)
    .join(', ');
}

const FAILED_STEP: Record<NonNullable<PlanReport['plan']['failedStep']>, string> = {
  init: 'at `tofu init`',
  credentials: 'before planning: no cluster credentials to remove Flux with',
  plan: '(`tofu plan` exit code 1)',
  show: 'at `tofu show`',
};

function planStatus(plan: PlanReport['plan']): string {
  if (plan.exitCode === 1) return `${STATUS_ICON.fail} failed ${FAILED_STEP[plan.failedStep ?? 'plan']}`;
  const s = plan.summary;
  if (plan.exitCode === 0) return s && s.outputChanges.length === 0 ? 'no changes' : 'no changes to resources';
  if (!s) return 'changes (see the plan text)';
  const outputs = s.outputChanges.length > 0 ? `; ${plural(s.outputChanges.length, 'output')} changed` : '';
  return `${planCounts(s)}${outputs}`;
}

function policyStatus(policy: PolicyReport): string {
  if (policy.inputs.length === 0) return 'not run';
  const warnings = policy.warnings.length > 0 ? `, ${plural(policy.warnings.length, 'warning')}` : '';
  if (policy.result === 'fail')
    return `${STATUS_ICON.fail} failed: ${plural(policy.failures.length, 'failure')}${warnings}`;
  return `${policy.warnings.length > 0 ? STATUS_ICON.warn : STATUS_ICON.ok} passed${warnings}`;
}

export function statusLine(report: PlanReport): string {
  return `**Plan:** ${planStatus(report.plan)} · **Policy:** ${policyStatus(report.policy)}`;
}

// The warning names resources, but a bounded number: the lists below carry the rest.
export const WARNING_NAMES = 20;

function nameSome(changes: ResourceChange[], max: number): string {
  const names = changes.slice(0, max).map((c) => inlineCode(c.address));
  if (changes.length > max) names.push(`${formatNumber(changes.length - max)} more`);
  return joinWords(names);
}

/** The bold warning when anything is destroyed or replaced, naming up to `names` of each; empty otherwise. */
export function destroyWarning(summary: PlanSummary | undefined, names = WARNING_NAMES): string {
  if (!summary) return '';
  const destroyed = summary.changes.filter((c) => c.action === 'delete');
  const replaced = summary.changes.filter((c) => c.action === 'replace');
  if (destroyed.length === 0 && replaced.length === 0) return '';
  const what: string[] = [];
  if (destroyed.length > 0) what.push(`destroys ${plural(destroyed.length, 'resource')}`);
  if (replaced.length > 0) what.push(`replaces ${plural(replaced.length, 'resource')} (destroyed, then created again)`);
  const lines = [`> [!CAUTION]`, `> **This plan ${what.join(' and ')}.**`];
  if (names > 0 && destroyed.length > 0) lines.push(`> **Destroyed:** ${nameSome(destroyed, names)}`);
  if (names > 0 && replaced.length > 0) lines.push(`> **Replaced:** ${nameSome(replaced, names)}`);
  return lines.join('\n');
}

function findingRow(kind: 'failure' | 'warning', f: PolicyFinding): string {
  const icon = kind === 'failure' ? `${STATUS_ICON.fail} failure` : `${STATUS_ICON.warn} warning`;
  const rule = f.ruleId ? inlineCode(f.ruleId) : tableCell(f.namespace);
  const concerns = f.subject ? `${inlineCode(f.subject)} (${f.input})` : f.input;
  return `| ${icon} | ${rule} | ${tableCell(f.message)} | ${concerns} |`;
}

export function policySection(policy: PolicyReport): ListSection | undefined {
  const items = [
    ...policy.failures.map((f) => findingRow('failure', f)),
    ...policy.warnings.map((f) => findingRow('warning', f)),
  ];
  if (items.length === 0) return undefined;
  return {
    group: 'policy',
    priority: 0,
    title: '### Policy',
    summaryTitle: `Policy: ${plural(policy.failures.length, 'failure')}, ${plural(policy.warnings.length, 'warning')}`,
    header: '| | Rule | Message | Concerns |\n| --- | --- | --- | --- |',
    items,
    collapsible: false,
  };
}

function changeNote(c: ResourceChange): string {
  const notes: string[] = [];
  if (c.previousAddress && c.action !== 'move') notes.push(`moved from ${inlineCode(c.previousAddress)}`);
  if (c.importing && c.action !== 'import') notes.push('imported');
  if (c.deposed) notes.push(`deposed object ${inlineCode(c.deposed)}`);
  if (c.replacePaths?.length) notes.push(`forced by ${joinWords(c.replacePaths.map(inlineCode))}`);
  else if (c.reason && REASONS[c.reason]) notes.push(REASONS[c.reason]!);
  const attributes = attributesNote(c);
  if (attributes) notes.push(attributes);
  return notes.join('; ');
}

function attributeText(a: AttributeChange): string {
  if (a.sensitive) return `${inlineCode(a.name)} (sensitive)`;
  if (a.before !== undefined && a.unknown) return `${inlineCode(a.name)} ${inlineCode(a.before)} → (known after apply)`;
  if (a.unknown) return `${inlineCode(a.name)} (known after apply)`;
  if (a.before !== undefined && a.after !== undefined)
    return `${inlineCode(a.name)} ${inlineCode(a.before)} → ${inlineCode(a.after)}`;
  return inlineCode(a.name);
}

/** "changes `version` `2.18.3` → `2.18.4`, `id` (known after apply)": names always, values when short and not secret. */
export function attributesNote(c: ResourceChange, verb = 'changes '): string {
  const changed = c.attributes?.changed ?? [];
  if (changed.length === 0) return '';
  const more = c.attributes!.more > 0 ? [`${formatNumber(c.attributes!.more)} more`] : [];
  return `${verb}${[...changed.map(attributeText), ...more].join(', ')}`;
}

function changeAddress(c: ResourceChange): string {
  if (c.action === 'move' && c.previousAddress) return `${inlineCode(c.previousAddress)} → ${inlineCode(c.address)}`;
  return inlineCode(c.address);
}

/** A note shared by every item (1,000 instances "forced by `triggers_replace`") is said once, not per line. */
function changeItems(changes: ResourceChange[]): { intro?: string; items: string[] } {
  const notes = changes.map(changeNote);
  const shared = changes.length > 1 && notes[0] !== '' && notes.every((n) => n === notes[0]) ? notes[0] : undefined;
  const items = changes.map((c, i) => `- ${changeAddress(c)}${!shared && notes[i] ? ` — ${notes[i]}` : ''}`);
  return shared ? { intro: `All of them: ${shared}.`, items } : { items };
}

export function changeSections(summary: PlanSummary | undefined): ListSection[] {
  if (!summary) return [];
  const sections: ListSection[] = [];
  for (const { action, label, priority } of ACTIONS) {
    const changes = summary.changes.filter((c) => c.action === action);
    if (changes.length === 0) continue;
    sections.push({
      group: 'changes',
      priority,
      title: `**${label}** (${formatNumber(changes.length)})`,
      summaryTitle: `${label} (${formatNumber(changes.length)})`,
      ...changeItems(changes),
      collapsible: true,
    });
  }
  return sections;
}

const DRIFT_ACTION: Partial<Record<ResourceAction, string>> = { update: 'changed', delete: 'deleted', move: 'moved' };

export function driftSection(summary: PlanSummary | undefined): ListSection | undefined {
  if (!summary || summary.drift.length === 0) return undefined;
  return {
    group: 'drift',
    priority: 3,
    title: `### Changes outside OpenTofu (${formatNumber(summary.drift.length)})`,
    summaryTitle: `Changes outside OpenTofu (${formatNumber(summary.drift.length)})`,
    intro:
      'The refresh found these objects changed since the last apply, by something other than OpenTofu. ' +
      'The plan above starts from their current state.',
    items: summary.drift.map((d) => {
      const attributes = attributesNote(d, '');
      return `- ${inlineCode(d.address)} — ${DRIFT_ACTION[d.action] ?? d.action}${attributes ? `: ${attributes}` : ''}`;
    }),
    collapsible: true,
  };
}

export function outputSection(summary: PlanSummary | undefined): ListSection | undefined {
  if (!summary || summary.outputChanges.length === 0) return undefined;
  return {
    group: 'changes',
    priority: 8,
    title: `**Outputs** (${formatNumber(summary.outputChanges.length)})`,
    summaryTitle: `Outputs (${formatNumber(summary.outputChanges.length)})`,
    items: summary.outputChanges.map((o) => `- ${inlineCode(o.name)} — ${o.action}`),
    collapsible: true,
  };
}

export function footer(report: PlanReport): string {
  const sha = report.headSha ? inlineCode(report.headSha.slice(0, 12)) : 'unknown';
  const run = report.runUrl ? ` · [Workflow run](${report.runUrl})` : '';
  // What the reviewed plan was made with, so a reviewer can tell a provider bump from a change of their own.
  const providers = Object.entries(report.providers ?? {})
    .map(([source, version]) => `${inlineCode(source)} ${version}`)
    .join(', ');
  const made = providers ? ` · Providers: ${providers}` : '';
  // The gate's sentence carries its own "On merge to main:" (describeOnMerge): shown as it is, with no prefix added.
  return `---\n${report.onMerge}\n\n<sub>Head ${sha}${run}${made} · flux-bootstrap</sub>`;
}
