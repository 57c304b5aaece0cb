// Pure: the chart values a helm_release gives Helm, as Helm combines them — the `values` documents deep-merged in
// order (maps merge, lists and scalars replace), then `set` and `set_sensitive` by key — flattened to key paths, so
// that two sides of a plan can be compared key by key. Only keys ever leave this module: values may hold secrets.
import { parse as parseYaml } from 'yaml';
import { anyMark } from './attributes.js';

/** A key path, dots inside a key escaped as Helm's --set writes them (`crds.annotations.helm\.sh/resource-policy`). */
export type ValueKey = string;

export type ValueState =
  | {
      kind: 'values';
      /** Each key's value as JSON text, for comparing. */
      leaves: Map<ValueKey, string>;
      /** Keys whose value tofu marks sensitive (set_sensitive, a sensitive `set` value). */
      sensitive: Set<ValueKey>;
      /** The values documents themselves are sensitive: not even their keys are shown. */
      documentsSensitive: boolean;
    }
  | { kind: 'unknown' }
  | { kind: 'unreadable' };

type Json = unknown;

function isMap(value: Json): value is Record<string, Json> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function deepMerge(into: Record<string, Json>, from: Record<string, Json>): Record<string, Json> {
  for (const [key, value] of Object.entries(from)) {
    const current = into[key];
    into[key] = isMap(current) && isMap(value) ? deepMerge({ ...current }, value) : value;
  }
  return into;
}

function flatten(value: Json, prefix: string, out: Map<ValueKey, string>): void {
  if (isMap(value) && Object.keys(value).length > 0) {
    for (const [key, inner] of Object.entries(value)) {
      flatten(inner, prefix === '' ? key.replace(/\./g, '\\.') : `${prefix}.${key.replace(/\./g, '\\.')}`, out);
    }
    return;
  }
  if (prefix !== '') out.set(prefix, JSON.stringify(value));
}

interface SetEntry {
  name?: unknown;
  value?: unknown;
}

function at(list: unknown, i: number): unknown {
  return Array.isArray(list) ? list[i] : list;
}

/**
 * The combined values of one side of a helm_release change. `attrs` is before or after; `sensitive` and `unknown`
 * the matching marks (tofu's before_sensitive/after_sensitive, after_unknown).
 */
export function releaseValues(attrs: Record<string, unknown>, sensitive: unknown, unknown: unknown): ValueState {
  const mark = (name: string, marks: unknown): unknown => (isMap(marks) ? marks[name] : undefined);
  if (['values', 'set', 'set_sensitive', 'set_list'].some((n) => anyMark(mark(n, unknown)))) return { kind: 'unknown' };
  const documentsSensitive = anyMark(mark('values', sensitive));
  let merged: Record<string, Json> = {};
  const documents = Array.isArray(attrs.values) ? (attrs.values as unknown[]) : [];
  for (const doc of documents) {
    if (typeof doc !== 'string') return { kind: 'unreadable' };
    let parsed: Json;
    try {
      parsed = parseYaml(doc);
    } catch {
      return { kind: 'unreadable' };
    }
    if (parsed === null || parsed === undefined) continue;
    if (!isMap(parsed)) return { kind: 'unreadable' };
    merged = deepMerge(merged, parsed);
  }
  const leaves = new Map<ValueKey, string>();
  flatten(merged, '', leaves);
  const sensitiveKeys = new Set<ValueKey>(documentsSensitive ? leaves.keys() : []);
  // `set` wins over every values document (the module relies on it for the settings it manages).
  for (const name of ['set', 'set_sensitive', 'set_list']) {
    const entries = Array.isArray(attrs[name]) ? (attrs[name] as SetEntry[]) : [];
    entries.forEach((entry, i) => {
      if (typeof entry?.name !== 'string') return;
      for (const key of [...leaves.keys()]) if (key.startsWith(`${entry.name}.`)) leaves.delete(key);
      leaves.set(entry.name, JSON.stringify(entry.value));
      if (name === 'set_sensitive' || anyMark(at(mark(name, sensitive), i))) sensitiveKeys.add(entry.name);
      else sensitiveKeys.delete(entry.name);
    });
  }
  return { kind: 'values', leaves, sensitive: sensitiveKeys, documentsSensitive };
}

/** The keys whose value differs between the two sides (added, removed or changed), in key order. */
export function changedValueKeys(before: ValueState, after: ValueState, skip: ReadonlySet<ValueKey>): ValueKey[] {
  if (before.kind !== 'values' || after.kind !== 'values') return [];
  const keys = new Set([...before.leaves.keys(), ...after.leaves.keys()]);
  return [...keys].filter((k) => !skip.has(k) && before.leaves.get(k) !== after.leaves.get(k)).sort();
}

export type ValueAt = { text: string } | 'unset' | 'sensitive' | 'unknown' | 'unreadable';

/** One key's value as a plain string ("true", "keep"), or why it cannot be shown. */
export function valueAt(state: ValueState, key: ValueKey): ValueAt {
  if (state.kind !== 'values') return state.kind;
  const raw = state.leaves.get(key);
  if (raw === undefined) return 'unset';
  if (state.sensitive.has(key)) return 'sensitive';
  const parsed = JSON.parse(raw) as unknown;
  return { text: typeof parsed === 'string' ? parsed : String(parsed) };
}
