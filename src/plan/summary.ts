// Pure reading of `tofu show -json <planfile>` into PlanSummary: what the plan does to which resource, with the
// counts tofu prints in its "Plan: …" line. Everything reviewers see in the comment comes from here, not from text.
import { changedAttributes, type AttributeChanges } from './attributes.js';
import { classifyActions, type ResourceAction } from './actions.js';
import { readFluxPlan, type FluxPlan } from './flux.js';

export type { ResourceAction } from './actions.js';

export interface ResourceChange {
  address: string;
  type: string;
  action: ResourceAction;
  /** Set when the object moved (a `moved` block or a renamed module); the action is what else happens to it. */
  previousAddress?: string;
  /** Set when the object is brought under management by an `import` block. */
  importing?: boolean;
  /** Deposed object key: an old object left by an interrupted create_before_destroy replacement. */
  deposed?: string;
  /** tofu's action_reason, e.g. replace_because_tainted, delete_because_no_resource_config. */
  reason?: string;
  /** For replacements: the attributes that force the new object (`triggers_replace`, `spec.name`). */
  replacePaths?: string[];
  /** For in-place updates (and drift): the attributes that change, bounded (src/plan/attributes.ts). */
  attributes?: AttributeChanges;
}

export interface OutputChange {
  name: string;
  action: ResourceAction;
}

export interface PlanSummary {
  /** Objects created, replacements included (tofu's "to add"). */
  add: number;
  change: number;
  /** Objects destroyed, replacements included (tofu's "to destroy"). */
  destroy: number;
  replace: number;
  import: number;
  move: number;
  /** Objects removed from state without being destroyed (`removed` with `destroy = false`). */
  forget: number;
  /** Every resource change other than no-op, in the plan's order. */
  changes: ResourceChange[];
  /** Changes made outside OpenTofu that the refresh found (resource_drift). */
  drift: ResourceChange[];
  outputChanges: OutputChange[];
  hasChanges: boolean;
  /** What the plan does to Flux's release, GitRepository and Kustomization (src/plan/flux.ts). */
  flux?: FluxPlan;
}

interface JsonChange {
  address?: unknown;
  previous_address?: unknown;
  type?: unknown;
  deposed?: unknown;
  action_reason?: unknown;
  change?: { actions?: unknown; importing?: unknown; replace_paths?: unknown; before?: unknown; after?: unknown };
}

/** Maps tofu's action list (["delete","create"] for a replacement…) and the move/import markers to one action. */
function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// replace_paths are lists of steps: attribute names (strings) and index keys (numbers or map keys).
function formatPath(path: unknown): string | undefined {
  if (!Array.isArray(path) || path.length === 0) return undefined;
  return path
    .map((step, i) => (typeof step === 'number' ? `[${step}]` : i === 0 ? String(step) : `.${String(step)}`))
    .join('');
}

function toResourceChange(entry: JsonChange, where: string): ResourceChange {
  const address = stringOrUndefined(entry.address);
  const actions = entry.change?.actions;
  if (!address || !Array.isArray(actions)) {
    throw new Error(
      `plan JSON: an entry of ${where} has no address or no change.actions (is this \`tofu show -json\`?)`,
    );
  }
  const previousAddress = stringOrUndefined(entry.previous_address);
  const moved = previousAddress !== undefined && previousAddress !== address;
  const importing = entry.change?.importing != null;
  const change: ResourceChange = {
    address,
    type: stringOrUndefined(entry.type) ?? '',
    action: classifyActions(actions as string[], moved, importing),
  };
  if (moved) change.previousAddress = previousAddress;
  if (importing) change.importing = true;
  const deposed = stringOrUndefined(entry.deposed);
  if (deposed) change.deposed = deposed;
  const reason = stringOrUndefined(entry.action_reason);
  if (reason) change.reason = reason;
  const replacePaths = Array.isArray(entry.change?.replace_paths)
    ? entry.change.replace_paths.map(formatPath).filter((p): p is string => p !== undefined)
    : [];
  if (replacePaths.length > 0) change.replacePaths = replacePaths;
  if (change.action === 'update') change.attributes = changedAttributes(entry.change);
  return change;
}

function listOf(plan: Record<string, unknown>, key: string): JsonChange[] {
  const value = plan[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`plan JSON: ${key} is not a list (is this \`tofu show -json\`?)`);
  return value as JsonChange[];
}

function outputChangesOf(plan: Record<string, unknown>): OutputChange[] {
  const outputs = plan.output_changes;
  if (!outputs || typeof outputs !== 'object') return [];
  const changes: OutputChange[] = [];
  for (const [name, change] of Object.entries(outputs as Record<string, { actions?: unknown }>)) {
    const actions = Array.isArray(change?.actions) ? (change.actions as string[]) : [];
    const action = classifyActions(actions, false, false);
    if (action !== 'no-op') changes.push({ name, action });
  }
  return changes;
}

function count(changes: ResourceChange[], test: (c: ResourceChange) => boolean): number {
  let n = 0;
  for (const c of changes) if (test(c)) n++;
  return n;
}

/** Reads the plan JSON of `tofu show -json <planfile>`; throws with a clear message when it is not one. */
export function summarizePlan(planJson: unknown): PlanSummary {
  if (!planJson || typeof planJson !== 'object' || Array.isArray(planJson)) {
    throw new Error('plan JSON is not an object (expected the output of `tofu show -json <planfile>`)');
  }
  const plan = planJson as Record<string, unknown>;
  const changes = listOf(plan, 'resource_changes')
    .map((entry) => toResourceChange(entry, 'resource_changes'))
    .filter((c) => c.action !== 'no-op');
  const drift = listOf(plan, 'resource_drift')
    .map((entry) => toResourceChange(entry, 'resource_drift'))
    .filter((c) => c.action !== 'no-op');
  const outputChanges = outputChangesOf(plan);
  const replace = count(changes, (c) => c.action === 'replace');
  return {
    add: count(changes, (c) => c.action === 'create') + replace,
    change: count(changes, (c) => c.action === 'update'),
    destroy: count(changes, (c) => c.action === 'delete') + replace,
    replace,
    import: count(changes, (c) => c.importing === true),
    move: count(changes, (c) => c.previousAddress !== undefined),
    forget: count(changes, (c) => c.action === 'forget'),
    changes,
    drift,
    outputChanges,
    // Data source reads alone change nothing; tofu's exit code 2 agrees (checked against real plans in the tests).
    hasChanges: changes.some((c) => c.action !== 'read') || outputChanges.length > 0,
    flux: readFluxPlan(plan),
  };
}
