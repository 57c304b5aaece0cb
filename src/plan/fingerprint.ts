// The plan's fingerprint: a hash of what applying it would do, recorded in the PR comment and compared on main so
// that only the reviewed plan is applied. It hashes a normalised form of the plan JSON, never the text, so that
// warnings, formatting, timestamps and tofu's version fields cannot cause a false "plan changed".
import { createHash } from 'node:crypto';

/** Bump when the canonical form changes, so old and new hashes can never be mistaken for each other. */
const CANONICAL_VERSION = 'flux-bootstrap-plan-v1';

// Per resource change, the fields that say what the apply will do; action_reason and other explanations are left
// out (a newer tofu may word them differently for the same change).
const CHANGE_FIELDS = ['actions', 'before', 'after', 'after_unknown', 'before_sensitive', 'after_sensitive'] as const;
const REDACTED = '(sensitive)';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface JsonResourceChange {
  address?: string;
  previous_address?: string;
  deposed?: string;
  mode?: string;
  type?: string;
  provider_name?: string;
  change?: Record<string, Json>;
}

/**
 * Replaces the values tofu marks sensitive by a constant. The hash is published in the comment next to the plan
 * text, which shows everything else: hashing a short secret in the clear would let anyone brute-force it.
 * Reviewers never saw those values either, so the hash covers what they reviewed: where sensitive values are.
 */
function redact(value: Json, sensitive: Json | undefined): Json {
  if (sensitive === true) return REDACTED;
  if (!sensitive || typeof sensitive !== 'object' || Object.keys(sensitive).length === 0) return value;
  if (Array.isArray(value)) {
    return value.map((item, i) => redact(item, Array.isArray(sensitive) ? sensitive[i] : undefined));
  }
  if (value && typeof value === 'object') {
    const marks = sensitive && typeof sensitive === 'object' && !Array.isArray(sensitive) ? sensitive : {};
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, marks[k])]));
  }
  return value;
}

function normaliseChange(change: Record<string, Json> | undefined): Record<string, Json> {
  const normal: Record<string, Json> = {};
  for (const field of CHANGE_FIELDS) normal[field] = change?.[field] ?? null;
  normal.before = redact(normal.before ?? null, change?.before_sensitive);
  normal.after = redact(normal.after ?? null, change?.after_sensitive);
  normal.replace_paths = change?.replace_paths ?? null;
  normal.importing = change?.importing ?? null;
  return normal;
}

function isNoOp(change: Record<string, Json> | undefined): boolean {
  const actions = change?.actions;
  return Array.isArray(actions) && actions.length === 1 && actions[0] === 'no-op';
}

/**
 * Untouched objects (plain no-ops) are left out: their values mirror the current state, so an unrelated apply
 * between review and merge would otherwise change the hash although this plan would do exactly the same.
 */
function resourceChanges(plan: Record<string, unknown>): Json[] {
  const list = Array.isArray(plan.resource_changes) ? (plan.resource_changes as JsonResourceChange[]) : [];
  return list
    .filter((rc) => !isNoOp(rc.change) || (rc.previous_address ?? rc.address) !== rc.address || rc.change?.importing)
    .map((rc) => ({
      address: rc.address ?? null,
      previous_address: rc.previous_address ?? null,
      deposed: rc.deposed ?? null,
      mode: rc.mode ?? null,
      type: rc.type ?? null,
      provider_name: rc.provider_name ?? null,
      change: normaliseChange(rc.change),
    }))
    .sort((a, b) => compare(`${a.address} ${a.deposed ?? ''}`, `${b.address} ${b.deposed ?? ''}`));
}

function outputChanges(plan: Record<string, unknown>): Json {
  const outputs = (plan.output_changes ?? {}) as Record<string, Record<string, Json>>;
  const normal: Record<string, Json> = {};
  for (const [name, change] of Object.entries(outputs)) {
    if (!isNoOp(change)) normal[name] = normaliseChange(change);
  }
  return normal;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Feeds JSON with object keys sorted at every level to `write`, piece by piece: the same value always gives the
 * same text, and a 10,000-resource plan is hashed without building its canonical text as one string.
 */
export function writeCanonicalJson(value: Json, write: (piece: string) => void): void {
  if (Array.isArray(value)) {
    write('[');
    value.forEach((item, i) => {
      if (i > 0) write(',');
      writeCanonicalJson(item, write);
    });
    write(']');
  } else if (value && typeof value === 'object') {
    write('{');
    Object.keys(value)
      .sort(compare)
      .forEach((key, i) => {
        write(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
        writeCanonicalJson(value[key] ?? null, write);
      });
    write('}');
  } else {
    write(JSON.stringify(value));
  }
}

/** sha256 (hex) of the canonical resource and output changes of `tofu show -json <planfile>`. */
export function planFingerprint(planJson: unknown): string {
  if (!planJson || typeof planJson !== 'object' || Array.isArray(planJson)) {
    throw new Error('plan JSON is not an object (expected the output of `tofu show -json <planfile>`)');
  }
  const plan = planJson as Record<string, unknown>;
  const hash = createHash('sha256').update(CANONICAL_VERSION).update('\n');
  let pending = '';
  writeCanonicalJson({ resource_changes: resourceChanges(plan), output_changes: outputChanges(plan) }, (piece) => {
    pending += piece;
    if (pending.length >= 65_536) {
      hash.update(pending);
      pending = '';
    }
  });
  return hash.update(pending).digest('hex');
}
