// Pure: which top-level attributes an in-place update (or a drift) changes, from the plan JSON's before/after and
// their sensitivity and unknown marks. Values are kept only when tofu does not mark them sensitive, they are
// scalars and they are short: the comment shows names first, and a value only where it reads at a glance.

export interface AttributeChange {
  name: string;
  /** The value before, as text; absent when not shown (sensitive, not a scalar, too long). */
  before?: string;
  after?: string;
  sensitive?: true;
  /** The new value is known only after apply. */
  unknown?: true;
}

/** Longer values are named, not shown: the resource lists stay one line per resource. */
export const MAX_SHOWN_VALUE = 40;
/** At most this many attributes per resource; the rest are counted (see AttributeChanges.more). */
export const MAX_ATTRIBUTES = 8;

export interface AttributeChanges {
  changed: AttributeChange[];
  /** How many more changed attributes were left out. */
  more: number;
}

type Marks = unknown;

function markOf(marks: Marks, name: string): unknown {
  return marks && typeof marks === 'object' && !Array.isArray(marks)
    ? (marks as Record<string, unknown>)[name]
    : undefined;
}

/** Whether a sensitivity or unknown mark says anything at all (true, or true somewhere inside). */
export function anyMark(mark: unknown): boolean {
  if (mark === true) return true;
  if (Array.isArray(mark)) return mark.some(anyMark);
  if (mark && typeof mark === 'object') return Object.values(mark).some(anyMark);
  return false;
}

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function shown(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && value.length <= MAX_SHOWN_VALUE && !/[\r\n]/.test(value)) return value;
  return undefined;
}

export interface ChangeJson {
  before?: unknown;
  after?: unknown;
  after_unknown?: unknown;
  before_sensitive?: unknown;
  after_sensitive?: unknown;
}

/** The changed attributes of one update, in name order, at most MAX_ATTRIBUTES of them. */
export function changedAttributes(change: ChangeJson | undefined): AttributeChanges {
  const before = (change?.before ?? {}) as Record<string, unknown>;
  const after = (change?.after ?? {}) as Record<string, unknown>;
  if (typeof before !== 'object' || typeof after !== 'object') return { changed: [], more: 0 };
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const all: AttributeChange[] = [];
  for (const name of names) {
    const unknown = anyMark(markOf(change?.after_unknown, name));
    if (!unknown && sameJson(before[name], after[name])) continue;
    const sensitive = anyMark(markOf(change?.before_sensitive, name)) || anyMark(markOf(change?.after_sensitive, name));
    const entry: AttributeChange = { name };
    if (sensitive) entry.sensitive = true;
    if (unknown) entry.unknown = true;
    // Both sides or none: half a change ("→ 2.18.4" without what it was) reads as a guess.
    const b = sensitive ? undefined : shown(before[name]);
    const a = sensitive || unknown ? undefined : shown(after[name]);
    if (b !== undefined && (unknown || a !== undefined)) entry.before = b;
    if (b !== undefined && a !== undefined) entry.after = a;
    all.push(entry);
  }
  return { changed: all.slice(0, MAX_ATTRIBUTES), more: Math.max(0, all.length - MAX_ATTRIBUTES) };
}
