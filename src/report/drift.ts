// Pure: drift, the cluster no longer matching main. A run that plans main's head without applying it measures
// drift: its plan's changes are exactly what main would change in the cluster. This module decides whether a run
// measures it (the `drift` output), renders the job summary's drift section, and renders the body of the one drift
// issue per target with the hidden marker that finds it again.
//
// Runs that do not measure drift leave the output empty: a pull request plans its own head, not main's; a run that
// applies turns its changes into the cluster's state, so they say nothing about drift; a failed plan knows nothing.
import { MAIN_REF } from '../gate/decision.js';
import type { PlanSummary, ResourceAction, ResourceChange } from '../plan/summary.js';
import { attributesNote, planCounts } from './comment-sections.js';
import { formatNumber, inlineCode } from './comment-markdown.js';
import { secretScrubber } from './scrub.js';

/** Events whose run plans main's head (schedule runs on the default branch; the ref says which one). */
export const DRIFT_EVENTS: readonly string[] = ['push', 'schedule', 'workflow_dispatch'];
/** Entries each drift list shows; the rest is counted. Keeps the summary and the issue far below GitHub's limits. */
export const DRIFT_LIST_LIMIT = 50;
/** Longer addresses (for_each keys) are cut, so that one entry cannot take the room of the list. */
const MAX_ADDRESS = 200;
/** An entry whose attributes would make it longer than this names the resource only: two full lists stay far
 * below an issue body's 65,536 characters. */
const MAX_ENTRY = 500;

export interface DriftFacts {
  eventName: string;
  ref: string;
  planExitCode: 0 | 1 | 2;
  /** Whether the gate applied this run's plan. */
  applies: boolean;
}

export type DriftVerdict = { measured: true; drifted: boolean } | { measured: false; why: string };

export function decideDrift(facts: DriftFacts): DriftVerdict {
  if (!DRIFT_EVENTS.includes(facts.eventName)) {
    return { measured: false, why: `a ${facts.eventName} run plans its own commit, not ${MAIN_REF}'s head` };
  }
  if (facts.ref !== MAIN_REF) return { measured: false, why: `the ref is ${facts.ref}, not ${MAIN_REF}` };
  if (facts.applies) return { measured: false, why: 'this run applies its plan' };
  if (facts.planExitCode === 1) return { measured: false, why: 'the plan failed' };
  return { measured: true, drifted: facts.planExitCode === 2 };
}

/** The `drift` output: `true`, `false`, or '' when the run does not measure drift. */
export function driftOutput(verdict: DriftVerdict): string {
  return verdict.measured ? String(verdict.drifted) : '';
}

export interface DriftReport {
  target: string;
  /** main's head commit that was planned. */
  headSha: string;
  runUrl: string;
  summary?: PlanSummary;
}

const ACTION_WORDS: Record<ResourceAction, string> = {
  create: 'create',
  update: 'update in place',
  replace: 'replace',
  delete: 'destroy',
  import: 'import',
  move: 'move',
  read: 'read',
  forget: 'forget',
  'no-op': 'no change',
};
const CHANGED_OUTSIDE: Partial<Record<ResourceAction, string>> = {
  update: 'changed',
  delete: 'deleted',
  move: 'moved',
};

function shortAddress(address: string): string {
  return address.length <= MAX_ADDRESS ? address : `${address.slice(0, MAX_ADDRESS - 1)}…`;
}

function boundedList(entries: string[]): string {
  const shown = entries.slice(0, DRIFT_LIST_LIMIT);
  const hidden = entries.length - shown.length;
  if (hidden > 0) shown.push(`- … ${formatNumber(hidden)} more not shown (the plan has them all)`);
  return shown.join('\n');
}

/** The drift lists: what changed outside OpenTofu, and what the plan of main would do about it. */
function driftLists(summary: PlanSummary | undefined, scrub: (text: string) => string): string[] {
  if (!summary) return [];
  // The attributes as the comment names them: what the hand-made change touched, what applying main resets.
  const entry = (c: ResourceChange, words: string, verb: string): string => {
    const plain = `- ${inlineCode(shortAddress(scrub(c.address)))} — ${words}`;
    const attributes = attributesNote(c, verb);
    const line = attributes ? `${plain}: ${scrub(attributes)}` : plain;
    return line.length <= MAX_ENTRY ? line : plain;
  };
  const blocks: string[] = [];
  if (summary.drift.length > 0) {
    const outside = summary.drift.map((c) => entry(c, CHANGED_OUTSIDE[c.action] ?? ACTION_WORDS[c.action], ''));
    blocks.push(`**Changed outside OpenTofu** (${formatNumber(outside.length)})\n\n${boundedList(outside)}`);
  }
  const planned = summary.changes
    .filter((c) => c.action !== 'read')
    .map((c) => entry(c, ACTION_WORDS[c.action], 'changes '));
  const outputs = summary.outputChanges.map((o) => `- output ${inlineCode(scrub(o.name))} — ${ACTION_WORDS[o.action]}`);
  const all = [...planned, ...outputs];
  if (all.length > 0) {
    blocks.push(`**What applying main would change** (${planCounts(summary)})\n\n${boundedList(all)}`);
  }
  return blocks;
}

const shortSha = (sha: string): string => (sha ? inlineCode(sha.slice(0, 12)) : 'an unknown commit');
const runLink = (url: string): string => (url ? ` ([workflow run](${url}))` : '');

/** The job summary's drift section; '' when the run does not measure drift. */
export function renderDriftSection(
  verdict: DriftVerdict,
  report: DriftReport,
  issueLine: string,
  secrets: readonly string[] = [],
): string {
  if (!verdict.measured) return '';
  const scrub = secretScrubber(secrets);
  const head = `### Drift\n\n`;
  const issue = issueLine ? `\n\n${issueLine}` : '';
  if (!verdict.drifted) {
    return `${head}None: the plan of ${MAIN_REF} at ${shortSha(report.headSha)} has no changes, so the cluster matches main.${issue}\n`;
  }
  const lists = driftLists(report.summary, scrub);
  const intro =
    `**The cluster differs from main:** the plan of ${MAIN_REF} at ${shortSha(report.headSha)} has changes ` +
    '(output `drift` is `true`).';
  return `${[head + intro, ...lists].join('\n\n')}${issue}\n`;
}

// --- The drift issue -------------------------------------------------------------------------------------------

export interface DriftIssueMetadata {
  version: 1;
  target: string;
  /** main's head when the issue was last written. */
  headSha: string;
}

const MARKER_PREFIX = '<!-- flux-bootstrap-drift:';
const MARKER = /^\s*<!-- flux-bootstrap-drift:(\{[^\n]*?\}) -->/;
/** GitHub's limit for an issue title. */
const TITLE_LIMIT = 256;

export function driftIssueMarker(metadata: DriftIssueMetadata): string {
  const json = JSON.stringify(metadata).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${MARKER_PREFIX}${json} -->`;
}

/** The marker on the first line of a drift issue's body; null for any other issue. */
export function parseDriftIssueMetadata(body: string): DriftIssueMetadata | null {
  const match = MARKER.exec(body);
  if (!match) return null;
  try {
    const m = JSON.parse(match[1]!) as Partial<DriftIssueMetadata> | null;
    if (!m || m.version !== 1 || typeof m.target !== 'string' || typeof m.headSha !== 'string') return null;
    return { version: 1, target: m.target, headSha: m.headSha };
  } catch {
    return null;
  }
}

export function driftIssueTitle(target: string, secrets: readonly string[] = []): string {
  const title = `Flux drift: the cluster of ${secretScrubber(secrets)(target)} differs from main`;
  return title.length <= TITLE_LIMIT ? title : `${title.slice(0, TITLE_LIMIT - 1)}…`;
}

/** The open issue's body while drift lasts, rewritten by every drift run. */
export function renderDriftIssue(report: DriftReport, secrets: readonly string[] = []): string {
  const scrub = secretScrubber(secrets);
  const target = scrub(report.target);
  const blocks = [
    driftIssueMarker({ version: 1, target, headSha: report.headSha }),
    `### Flux drift on ${inlineCode(target)}`,
    `The plan of ${MAIN_REF} at ${shortSha(report.headSha)} has changes: the cluster no longer matches main` +
      `${runLink(report.runUrl)}. Someone or something changed it by hand, or main has changes that were not applied.`,
    ...driftLists(report.summary, scrub),
    'To bring the cluster back to main, apply main again (a `workflow_dispatch` of the apply workflow, through the ' +
      'same gate), or change main to match the cluster. Each drift run updates this issue and closes it once the ' +
      'plan of main has no changes.',
  ];
  return `${blocks.join('\n\n')}\n`;
}

/** The issue's body when it is closed: drift gone, with the run that found it gone above the last report. */
export function renderDriftResolved(
  previousBody: string,
  report: DriftReport,
  secrets: readonly string[] = [],
): string {
  const scrub = secretScrubber(secrets);
  const target = scrub(report.target);
  const withoutMarker = previousBody.replace(MARKER, '').replace(/^\s+/, '');
  const resolved =
    `**Resolved:** the plan of ${MAIN_REF} at ${shortSha(report.headSha)} has no changes${runLink(report.runUrl)}; ` +
    'the cluster matches main again. The last drift report follows.';
  const blocks = [driftIssueMarker({ version: 1, target, headSha: report.headSha }), resolved, withoutMarker];
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

/** One line for the job summary and the log about what happened to the issue. */
export function describeIssueAction(
  action: 'opened' | 'updated' | 'closed' | 'unchanged' | 'none',
  issue?: { number: number; url: string },
): string {
  const link = issue ? `[#${issue.number}](${issue.url})` : '';
  switch (action) {
    case 'opened':
      return `Opened the drift issue ${link}.`;
    case 'updated':
      return `Updated the drift issue ${link}.`;
    case 'unchanged':
      return `The drift issue ${link} already says this.`;
    case 'closed':
      return `Closed the drift issue ${link}: the drift is gone.`;
    case 'none':
      return 'No drift issue is open for this target.';
  }
}
