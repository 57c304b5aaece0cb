// Pure: what a plan does to Flux, read from `tofu show -json`: the flux2 Helm release (chart and Flux versions,
// controllers, multi-tenancy, CRD policy, which value keys change) and the GitRepository and Kustomization that
// kubectl_manifest applies (the settings the module writes), each side as tofu knows it. A value tofu marks
// sensitive or knows only after apply is reported as such, never filled in; Helm values are compared, only keys
// leave this module.
import { parse as parseYaml } from 'yaml';
import { anyMark, changedAttributes, type ChangeJson } from './attributes.js';
import { changedValueKeys, releaseValues, valueAt, type ValueAt, type ValueState } from './flux-values.js';
import { classifyActions, type ResourceAction } from './actions.js';

/** A setting's value on one side: its text, or why there is none to show. */
export type FluxValue = ValueAt;

export interface FluxSetting {
  label: string;
  before: FluxValue;
  after: FluxValue;
  /** Changed in the cluster outside OpenTofu (resource_drift). */
  drifted?: true;
}

export type FluxKind = 'HelmRelease' | 'GitRepository' | 'Kustomization';

export interface FluxObject {
  kind: FluxKind;
  address: string;
  name: string;
  /** What the plan does to it; no-op when it is here only because it drifted. */
  action: ResourceAction;
  settings: FluxSetting[];
  /** Helm release only: the chart value keys whose value changes, beyond the settings above. */
  valueKeys?: { keys: string[]; more: number } | 'sensitive' | 'unknown' | 'unreadable';
  /** Changed outside OpenTofu: field paths or attribute names that differ from the last apply. */
  drift?: string[];
}

export interface FluxPlan {
  objects: FluxObject[];
}

/** Value keys named per release; the rest are counted. */
export const MAX_VALUE_KEYS = 20;
/** What alekc/kubectl writes in yaml_body_parsed for a field listed in sensitive_fields. */
const OBFUSCATED = '(sensitive value)';

interface Side {
  present: boolean;
  attrs: Record<string, unknown>;
  sensitive: unknown;
  unknown: unknown;
}

interface ChangeEntry {
  address?: unknown;
  type?: unknown;
  previous_address?: unknown;
  change?: ChangeJson & { actions?: unknown };
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const markAt = (marks: unknown, name: string): unknown => (isMap(marks) ? marks[name] : undefined);

function sides(entry: ChangeEntry): [Side, Side] {
  const c = entry.change ?? {};
  const side = (attrs: unknown, sensitive: unknown, unknown: unknown): Side => ({
    present: isMap(attrs),
    attrs: isMap(attrs) ? attrs : {},
    sensitive,
    unknown,
  });
  return [side(c.before, c.before_sensitive, undefined), side(c.after, c.after_sensitive, c.after_unknown)];
}

function scalar(value: unknown): FluxValue {
  if (value === undefined || value === null || value === '') return 'unset';
  if (typeof value === 'string') return value === OBFUSCATED ? 'sensitive' : { text: value };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value) };
  return 'unreadable';
}

/** A (possibly nested) attribute of one side, honouring the unknown and sensitive marks along its path. */
function attrValue(side: Side, path: string[]): FluxValue {
  if (!side.present && !anyMark(side.unknown)) return 'unset';
  let value: unknown = side.attrs;
  let unknown = side.unknown;
  let sensitive = side.sensitive;
  for (const step of path) {
    unknown = markAt(unknown, step);
    sensitive = markAt(sensitive, step);
    if (unknown === true) return 'unknown';
    if (sensitive === true) return 'sensitive';
    value = isMap(value) ? value[step] : undefined;
  }
  return scalar(value);
}

const KEEP_CRDS_KEY = 'crds.annotations.helm\\.sh/resource-policy';
const SWITCHES: [string, string][] = [
  ['notification-controller', 'notificationController.create'],
  ['image-reflector-controller', 'imageReflectionController.create'],
  ['image-automation-controller', 'imageAutomationController.create'],
  ['multi-tenancy', 'multitenancy.enabled'],
];
const MANAGED_KEYS = new Set([KEEP_CRDS_KEY, ...SWITCHES.map(([, key]) => key)]);

function onOff(value: FluxValue): FluxValue {
  if (value === 'unset') return { text: 'chart default' };
  if (typeof value !== 'object') return value;
  return { text: value.text === 'true' ? 'on' : value.text === 'false' ? 'off' : value.text };
}

function crdPolicy(value: FluxValue, present: boolean): FluxValue {
  if (!present) return 'unset';
  if (value === 'unset') return { text: 'deleted with the chart' };
  if (typeof value !== 'object') return value;
  return { text: value.text === 'keep' ? 'kept' : 'deleted with the chart' };
}

function valuesOf(side: Side): ValueState | undefined {
  return side.present ? releaseValues(side.attrs, side.sensitive, side.unknown) : undefined;
}

function releaseObject(entry: ChangeEntry, address: string, action: ResourceAction): FluxObject {
  const [before, after] = sides(entry);
  const [vb, va] = [valuesOf(before), valuesOf(after)];
  const setting = (label: string, read: (side: Side, values: ValueState | undefined) => FluxValue): FluxSetting => ({
    label,
    before: read(before, vb),
    after: read(after, va),
  });
  const settings = [
    setting('chart version', (s) => attrValue(s, ['version'])),
    setting('Flux version', (s) => attrValue(s, ['metadata', 'app_version'])),
    setting('chart repository', (s) => attrValue(s, ['repository'])),
    setting('namespace', (s) => attrValue(s, ['namespace'])),
    ...SWITCHES.map(([label, key]) => setting(label, (s, v) => (v ? onOff(valueAt(v, key)) : 'unset'))),
    setting('CRDs on uninstall', (s, v) => (v ? crdPolicy(valueAt(v, KEEP_CRDS_KEY), s.present) : 'unset')),
  ];
  const object: FluxObject = { kind: 'HelmRelease', address, name: nameOf(before, after), action, settings };
  if (before.present && after.present && vb && va) object.valueKeys = valueKeys(vb, va);
  return object;
}

function valueKeys(before: ValueState, after: ValueState): FluxObject['valueKeys'] {
  if (before.kind === 'unknown' || after.kind === 'unknown') return 'unknown';
  if (before.kind === 'unreadable' || after.kind === 'unreadable') return 'unreadable';
  const keys = changedValueKeys(before, after, MANAGED_KEYS);
  if (keys.length > 0 && (before.documentsSensitive || after.documentsSensitive)) return 'sensitive';
  return { keys: keys.slice(0, MAX_VALUE_KEYS), more: Math.max(0, keys.length - MAX_VALUE_KEYS) };
}

const FIELDS: Record<Exclude<FluxKind, 'HelmRelease'>, [string, string][]> = {
  GitRepository: [
    ['URL', 'spec.url'],
    ['branch', 'spec.ref.branch'],
    ['interval', 'spec.interval'],
    ['secret', 'spec.secretRef.name'],
  ],
  Kustomization: [
    ['path', 'spec.path'],
    ['interval', 'spec.interval'],
    ['prune', 'spec.prune'],
    ['deletion policy', 'spec.deletionPolicy'],
    // Set by the module under multi-tenancy (the controller's own account); unset otherwise.
    ['service account', 'spec.serviceAccountName'],
  ],
};

/** The manifest of one side of a kubectl_manifest, from yaml_body_parsed (yaml_body itself is sensitive). */
function manifestOf(side: Side): Record<string, unknown> | 'unknown' | 'sensitive' | 'unset' | 'unreadable' {
  const text = attrValue(side, ['yaml_body_parsed']);
  if (typeof text !== 'object') return text;
  try {
    const doc = parseYaml(text.text) as unknown;
    return isMap(doc) ? doc : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function fieldValue(manifest: ReturnType<typeof manifestOf>, path: string): FluxValue {
  if (typeof manifest !== 'object') return manifest;
  let value: unknown = manifest;
  for (const step of path.split('.')) value = isMap(value) ? value[step] : undefined;
  return scalar(value);
}

function manifestObject(
  kind: 'GitRepository' | 'Kustomization',
  entry: ChangeEntry,
  address: string,
  action: ResourceAction,
): FluxObject {
  const [before, after] = sides(entry);
  const [mb, ma] = [manifestOf(before), manifestOf(after)];
  const settings = FIELDS[kind].map(([label, path]) => ({
    label,
    before: before.present ? fieldValue(mb, path) : 'unset',
    after: after.present ? fieldValue(ma, path) : 'unset',
  }));
  return { kind, address, name: nameOf(before, after), action, settings };
}

function nameOf(before: Side, after: Side): string {
  const name = after.attrs.name ?? before.attrs.name;
  return typeof name === 'string' ? name : '';
}

function kindOf(entry: ChangeEntry): FluxKind | undefined {
  const c = entry.change ?? {};
  const attrs = isMap(c.after) ? c.after : isMap(c.before) ? c.before : {};
  if (entry.type === 'helm_release') return attrs.chart === 'flux2' ? 'HelmRelease' : undefined;
  if (entry.type === 'kubectl_manifest' && (attrs.kind === 'GitRepository' || attrs.kind === 'Kustomization'))
    return attrs.kind;
  return undefined;
}

/**
 * What changed outside OpenTofu. For a kubectl_manifest, alekc/kubectl keeps one `field=hash` line per field it
 * applied (live_manifest_incluster): the fields whose hash differs are named, never the hashes or the values, and
 * only fields of the configured manifest, which the plan shows anyway.
 */
function driftOf(kind: FluxKind, entry: ChangeEntry): string[] {
  const c = entry.change ?? {};
  if (kind !== 'HelmRelease') {
    const lines = (v: unknown): Map<string, string> =>
      new Map(
        (isMap(v) && typeof v.live_manifest_incluster === 'string' ? v.live_manifest_incluster.split('\n') : [])
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string])
          .filter(([field]) => field !== ''),
      );
    const [b, a] = [lines(c.before), lines(c.after)];
    const fields = [...new Set([...b.keys(), ...a.keys()])].filter((f) => b.get(f) !== a.get(f));
    if (fields.length > 0) return fields.sort();
  }
  return changedAttributes(c).changed.map((attr) => attr.name);
}

function listOf(plan: Record<string, unknown>, key: string): ChangeEntry[] {
  const value = plan[key];
  return Array.isArray(value) ? (value as ChangeEntry[]) : [];
}

/** The Flux objects the plan touches or found drifted, in the plan's order; none when it touches no Flux. */
export function readFluxPlan(planJson: unknown): FluxPlan {
  if (!isMap(planJson)) return { objects: [] };
  const drift = new Map<string, ChangeEntry>();
  for (const entry of listOf(planJson, 'resource_drift')) {
    if (typeof entry.address === 'string' && kindOf(entry)) drift.set(entry.address, entry);
  }
  const objects: FluxObject[] = [];
  for (const entry of listOf(planJson, 'resource_changes')) {
    const kind = kindOf(entry);
    const address = entry.address;
    if (!kind || typeof address !== 'string' || !Array.isArray(entry.change?.actions)) continue;
    const moved = typeof entry.previous_address === 'string' && entry.previous_address !== address;
    const action = classifyActions(entry.change.actions as string[], moved, false);
    const drifted = drift.get(address);
    if (action === 'no-op' && !drifted) continue;
    const object =
      kind === 'HelmRelease' ? releaseObject(entry, address, action) : manifestObject(kind, entry, address, action);
    if (drifted) {
      object.drift = driftOf(kind, drifted);
      const paths = kind === 'HelmRelease' ? [] : FIELDS[kind];
      for (const setting of object.settings) {
        const path = paths.find(([label]) => label === setting.label)?.[1];
        if (path && object.drift.includes(path)) setting.drifted = true;
      }
    }
    objects.push(object);
  }
  return { objects };
}
