// Pure rendering of the PR comment (also the job summary's plan report) and of the hidden marker that finds it
// again. Content, top first: status line, the cluster planned against, destroy/replace warning, what was shortened,
// what the plan does to Flux, policy findings, resource lists, drift, outputs, the inputs and the plan text
// (collapsed), then head SHA, run link and what happens on merge.
import type { PolicyReport } from '../policy/findings.js';
import type { PlanSummary } from '../plan/summary.js';
import type { PlanRun } from '../plan/run.js';
import { parseInputHashes, type InputHashes } from '../review/inputs.js';
import { listLimits, renderList, shortenText, totalLines, type ShortenedText } from './comment-budget.js';
import { details, fence, formatNumber, inlineCode, joinWords, plural } from './comment-markdown.js';
import {
  changeSections,
  destroyWarning,
  driftSection,
  footer,
  outputSection,
  WARNING_NAMES,
  policySection,
  statusLine,
  type ListSection,
} from './comment-sections.js';
import { renderFluxSection } from './comment-flux.js';
import { scrubPlanReport } from './scrub.js';
import { describeLocation, type ClusterLocation } from './target.js';

/** GitHub refuses issue comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;
/** Room kept free for the apply status that updateCommentStatus adds later (see comment-status.ts). */
export const STATUS_RESERVE = 1_024;

/** A plan comment's status in its marker: planned by a pull request, then what the apply on main made of it. */
export const COMMENT_STATUSES = ['planned', 'applied', 'apply-failed', 'not-applied'] as const;
export type CommentStatus = (typeof COMMENT_STATUSES)[number];

export interface CommentMetadata {
  version: 1;
  target: string;
  headSha: string;
  planHash: string | null;
  status?: CommentStatus;
  /** The hashed inputs the plan was made with (src/review/inputs.ts), to name an input that differs on main. */
  inputs?: InputHashes;
}

export interface PlanReport {
  target: string;
  headSha: string;
  runUrl: string;
  policy: PolicyReport;
  plan: {
    exitCode: 0 | 1 | 2;
    /** The tofu step that failed (init, plan, show), when one did. */
    failedStep?: PlanRun['failedStep'];
    summary?: PlanSummary;
    text: string;
    error?: string;
  };
  /** The gate's sentence of what happens on merge to main (describeOnMerge), "On merge to main: …", shown as is. */
  onMerge: string;
  planHash: string | null;
  /** effectiveInputHashes of the run's inputs, recorded in the marker next to the plan's fingerprint. */
  inputHashes?: InputHashes;
  /** Where the full plan text is on the runner (the `plan-text-path` output), named when the text is cut. */
  planTextPath?: string;
  /** The provider versions the plan was made with, by source (`hashicorp/helm` → `3.2.0`). */
  providers?: Record<string, string>;
  /** Which cluster the plan was made against (src/report/target.ts clusterLocation): a host or a name, no credentials. */
  cluster?: ClusterLocation;
  /** The inputs in effect, the job summary's table (renderInputsTable), shown collapsed. */
  inputsTable?: string;
}

export interface RenderOptions {
  /** Defaults to GitHub's comment limit minus the room kept for the apply status. */
  maxLength?: number;
  /** Secret values to scrub from everything rendered. */
  secrets?: string[];
}

const MARKER_PREFIX = '<!-- flux-bootstrap:';
const MARKER = /^\s*<!-- flux-bootstrap:(\{[^\n]*?\}) -->/;
/** Below this many characters a shortened plan text is not worth showing; the lists get the room instead. */
const MIN_PLAN_TEXT = 1_000;

/** The hidden first line. `<` and `>` are escaped inside the JSON so no value can close the HTML comment. */
export function metadataMarker(metadata: CommentMetadata): string {
  const json = JSON.stringify(metadata).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
  return `${MARKER_PREFIX}${json} -->`;
}

/** Reads the marker on the comment's first line; null for any other comment or a marker of another format. */
export function parseCommentMetadata(body: string): CommentMetadata | null {
  const match = MARKER.exec(body);
  if (!match) return null;
  let value: unknown;
  try {
    value = JSON.parse(match[1]!);
  } catch {
    return null;
  }
  const m = value as Partial<CommentMetadata> | null;
  if (!m || m.version !== 1 || typeof m.target !== 'string' || typeof m.headSha !== 'string') return null;
  if (m.planHash !== null && typeof m.planHash !== 'string') return null;
  if (m.status !== undefined && !(COMMENT_STATUSES as readonly string[]).includes(m.status)) return null;
  const metadata: CommentMetadata = { version: 1, target: m.target, headSha: m.headSha, planHash: m.planHash };
  if (m.status) metadata.status = m.status;
  const inputs = parseInputHashes(m.inputs);
  if (inputs) metadata.inputs = inputs;
  return metadata;
}

/** tofu's output starts and ends with blank lines that only take room. */
function normaliseText(report: PlanReport): PlanReport {
  const trim = (text: string): string => text.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
  const error = report.plan.error !== undefined ? { error: trim(report.plan.error) } : {};
  return { ...report, plan: { ...report.plan, text: trim(report.plan.text), ...error } };
}

interface Layout {
  sections: ListSection[];
  limits: number[];
  /** Shortened plan text; undefined when it is left out entirely. */
  text?: ShortenedText;
  error?: ShortenedText;
  /** Whether to state the cuts at the top (the numbers come from the layout itself). */
  shortened: boolean;
  /** How many resources the destroy/replace warning names (each kind). */
  warningNames: number;
  /** Whether the inputs table is shown (left out only when nothing else makes the comment fit). */
  inputs: boolean;
}

function whereFullPlan(report: PlanReport): string {
  const file = report.planTextPath
    ? `the file ${inlineCode(report.planTextPath)} (output \`plan-text-path\`)`
    : 'the file named by the `plan-text-path` output';
  const log = report.runUrl ? `the [workflow run](${report.runUrl})’s log` : 'the workflow run’s log';
  return `The full plan is in ${log} and ${file}.`;
}

function describeCuts(report: PlanReport, layout: Layout): string[] {
  const cuts: string[] = [];
  const text = layout.text;
  if (report.plan.text !== '' && !text) cuts.push('the plan text is left out');
  else if (text && text.cutLines > 0) {
    cuts.push(
      `the plan text shows ${formatNumber(text.totalLines - text.cutLines)} of ${plural(text.totalLines, 'line')}`,
    );
  }
  if (layout.error && layout.error.cutLines > 0) cuts.push('the error output is shortened');
  const total = layout.sections.reduce((n, s) => n + s.items.length, 0);
  const shown = layout.sections.reduce((n, s, i) => n + Math.min(layout.limits[i]!, s.items.length), 0);
  if (shown < total) cuts.push(`the lists show ${formatNumber(shown)} of ${plural(total, 'entry', 'entries')}`);
  return cuts;
}

function truncationNote(report: PlanReport, layout: Layout, limitLabel: string): string {
  if (!layout.shortened) return '';
  const cuts = describeCuts(report, layout);
  return [
    '> [!NOTE]',
    `> This was shortened to fit ${limitLabel}: ${joinWords(cuts)}.`,
    `> ${whereFullPlan(report)}`,
  ].join('\n');
}

function planTextBlock(report: PlanReport, text: ShortenedText | undefined): string {
  const title = report.plan.exitCode === 1 ? 'Output of <code>tofu plan</code>' : 'Full plan';
  if (report.plan.text === '') return '';
  if (!text) return details(`${title}: not shown, too large`, whereFullPlan(report));
  const cut = text.cutLines > 0 ? `, ${formatNumber(text.cutLines)} cut` : '';
  return details(`${title} (${plural(text.totalLines, 'line')}${cut})`, fence(text.text));
}

function errorBlock(error: ShortenedText | undefined): string {
  if (!error || error.text.trim() === '') return '';
  return `### Plan failed\n\n${fence(error.text)}`;
}

function renderGroups(layout: Layout): string[] {
  const out: string[] = [];
  for (const group of ['policy', 'changes', 'drift'] as const) {
    const members = layout.sections.map((s, i) => [s, i] as const).filter(([s]) => s.group === group);
    if (members.length === 0) continue;
    if (group === 'changes') out.push('### Resource changes');
    for (const [section, i] of members) out.push(renderList(section, layout.limits[i]));
  }
  return out;
}

/** The hidden marker and the title: the first two blocks of every form of the comment. */
function heading(report: PlanReport): string[] {
  const { target, headSha, planHash, inputHashes } = report;
  const inputs = inputHashes ? { inputs: inputHashes } : {};
  return [
    metadataMarker({ version: 1, target, headSha, planHash, status: 'planned', ...inputs }),
    `### flux-bootstrap plan for ${inlineCode(target)}`,
  ];
}

function whereLine(report: PlanReport): string {
  return report.cluster ? `**Planned against:** ${describeLocation(report.cluster)}` : '';
}

function inputsBlock(report: PlanReport, layout: Layout): string {
  return layout.inputs && report.inputsTable ? details('Inputs in effect', report.inputsTable) : '';
}

function assemble(report: PlanReport, layout: Layout, limitLabel: string): string {
  const blocks = [
    ...heading(report),
    statusLine(report),
    whereLine(report),
    destroyWarning(report.plan.summary, layout.warningNames),
    truncationNote(report, layout, limitLabel),
    renderFluxSection(report.plan.summary?.flux),
    errorBlock(layout.error),
    ...renderGroups(layout),
    inputsBlock(report, layout),
    planTextBlock(report, layout.text),
    footer(report),
  ];
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

function buildSections(report: PlanReport): ListSection[] {
  const summary = report.plan.summary;
  return [
    policySection(report.policy),
    ...changeSections(summary),
    outputSection(summary),
    driftSection(summary),
  ].filter((s): s is ListSection => s !== undefined);
}

/**
 * Shrinks `budget` until `build(budget)` fits in `limit`: the layouts' sizes are not exactly additive (fences grow
 * with the content, numbers change width), so the estimate is checked and corrected by the overflow.
 */
function fitting(limit: number, first: number, build: (budget: number) => string): string | undefined {
  let budget = first;
  for (let attempt = 0; attempt < 8 && budget >= 0; attempt++) {
    const body = build(budget);
    if (body.length <= limit) return body;
    budget -= body.length - limit + 16;
  }
  return undefined;
}

/** Renders the comment within options.maxLength characters, shortening the plan text first, then the lists. */
export function renderPlanComment(report: PlanReport, options: RenderOptions = {}): string {
  const limit = options.maxLength ?? GITHUB_COMMENT_LIMIT - STATUS_RESERVE;
  const label =
    options.maxLength === undefined ? 'GitHub’s size limit for comments' : `${formatNumber(limit)} characters`;
  const r = normaliseText(scrubPlanReport(report, options.secrets));
  const sections = buildSections(r);
  const all = sections.map((s) => s.items.length);
  const none = sections.map(() => 0);
  const error = r.plan.error !== undefined ? shortenText(r.plan.error, Infinity) : undefined;
  const text = shortenText(r.plan.text, Infinity);
  const full: Layout = {
    sections,
    limits: all,
    text,
    error,
    shortened: false,
    warningNames: WARNING_NAMES,
    inputs: true,
  };
  const body = assemble(r, full, label);
  if (body.length <= limit) return body;

  // 1. The plan text gives way first, down to a size still worth reading.
  const emptyText: ShortenedText = { text: '', totalLines: totalLines(r.plan.text), cutLines: totalLines(r.plan.text) };
  const base = { ...full, shortened: true };
  const withoutText = assemble(r, { ...base, text: emptyText }, label).length;
  const textBudget = limit - withoutText;
  if (textBudget >= MIN_PLAN_TEXT) {
    const fitted = fitting(limit, textBudget, (b) =>
      assemble(r, { ...base, text: shortenText(r.plan.text, b) }, label),
    );
    if (fitted) return fitted;
  }

  // 2. No plan text; the error output (if any) shortened to what still fits.
  const errorText = r.plan.error ?? '';
  const errorFor = (budget: number): ShortenedText | undefined =>
    error ? shortenText(errorText, Math.max(0, Math.min(errorText.length, budget))) : undefined;
  const noText: Layout = { ...base, text: undefined, error: errorFor(MIN_PLAN_TEXT) };
  const errorBudget = limit - assemble(r, { ...noText, error: errorFor(0) }, label).length;
  if (errorBudget >= 0) {
    const fittedError = fitting(limit, errorBudget, (b) => assemble(r, { ...noText, error: errorFor(b) }, label));
    if (fittedError) return fittedError;
  }

  // 3. The lists give way, least important first (listLimits fills them in priority order); under a very small
  // limit the warning names fewer resources too.
  const listsAtZero = sections.reduce((n, s) => n + renderList(s, 0).length + 2, 0);
  for (const [warningNames, inputs] of [
    [WARNING_NAMES, true],
    [3, true],
    [3, false],
  ] as const) {
    const layout = { ...noText, warningNames, inputs };
    const others = assemble(r, { ...layout, limits: none }, label).length - listsAtZero;
    const fitted = fitting(limit, limit - others, (b) =>
      assemble(r, { ...layout, limits: listLimits(sections, b) }, label),
    );
    if (fitted) return fitted;
  }
  return minimalComment(r, limit, label);
}

/** When not even the headings fit: status, counts and where the full report is; no lists, fences or blocks. */
function minimalComment(report: PlanReport, limit: number, label: string): string {
  const blocks = [
    ...heading(report),
    statusLine(report),
    whereLine(report),
    destroyWarning(report.plan.summary, 0),
    `> [!NOTE]\n> The report does not fit in ${label}. ${whereFullPlan(report)}`,
    footer(report),
  ];
  const body = `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
  return body.length <= limit ? body : body.slice(0, limit);
}
