// Fitting the comment into a size limit. The plan text gives way first, then the resource lists (least important
// first); every cut is said where it happened, and the caller states it at the top of the comment.
import { details, formatNumber, plural } from './comment-markdown.js';
import type { ListSection } from './comment-sections.js';

/** Lists longer than this are collapsed into a <details> block. */
const COLLAPSE_AT = 15;

export function renderList(section: ListSection, limit = section.items.length): string {
  const shown = Math.min(limit, section.items.length);
  const lines = section.items.slice(0, shown);
  const hidden = section.items.length - shown;
  if (hidden > 0)
    lines.push(
      section.header
        ? `| | … | ${formatNumber(hidden)} more not shown | |`
        : `- … ${formatNumber(hidden)} more not shown`,
    );
  const body = [section.intro, section.header ? `${section.header}\n${lines.join('\n')}` : lines.join('\n')]
    .filter((part) => part !== undefined)
    .join('\n\n');
  if (section.collapsible && section.items.length > COLLAPSE_AT) {
    return `${section.title.startsWith('#') ? `${section.title}\n\n` : ''}${details(escapeSummary(section.summaryTitle), body)}`;
  }
  return `${section.title}\n\n${body}`;
}

function escapeSummary(text: string): string {
  return text.replace(/</g, '&lt;');
}

export interface ShortenedText {
  text: string;
  totalLines: number;
  /** Lines left out (0 when the text fits). */
  cutLines: number;
}

function countLines(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function totalLines(text: string): number {
  return text === '' ? 0 : countLines(text) + (text.endsWith('\n') ? 0 : 1);
}

/**
 * Keeps the start of the text (the resources in plan order) and its end (tofu's "Plan: …" line, outputs and
 * warnings), cut at line boundaries, with a line saying how much is missing in between.
 */
export function shortenText(text: string, budget: number): ShortenedText {
  const lines = totalLines(text);
  if (text.length <= budget) return { text, totalLines: lines, cutLines: 0 };
  const marker = (n: number): string =>
    `\n… ${plural(n, 'line')} cut here to fit the comment (the plan has ${formatNumber(lines)}) …\n`;
  const room = Math.max(0, budget - marker(lines).length);
  let headEnd = text.lastIndexOf('\n', Math.floor(room * 0.75));
  headEnd = headEnd === -1 ? 0 : headEnd;
  let tailStart = text.indexOf('\n', text.length - (room - headEnd));
  tailStart = tailStart === -1 || tailStart < headEnd ? text.length : tailStart + 1;
  const cut = countLines(text, headEnd, tailStart);
  const shortened = `${text.slice(0, headEnd)}${marker(cut)}${text.slice(tailStart)}`;
  return { text: shortened, totalLines: lines, cutLines: cut };
}

/**
 * Item limits per list so that the rendered lists fit in `budget` characters: lists are filled in priority order,
 * each taking as many items as still fit. Returns one limit per section, in the given order.
 */
export function listLimits(sections: ListSection[], budget: number): number[] {
  const limits = sections.map(() => 0);
  let used = sections.reduce((sum, s) => sum + renderList(s, 0).length + 2, 0);
  const order = sections.map((s, i) => i).sort((a, b) => sections[a]!.priority - sections[b]!.priority);
  for (const i of order) {
    const items = sections[i]!.items;
    let n = 0;
    while (n < items.length && used + items[n]!.length + 1 <= budget) {
      used += items[n]!.length + 1;
      n++;
    }
    limits[i] = n;
    if (n < items.length) break; // later lists get nothing: keep the important ones whole rather than all partial
  }
  return limits;
}
