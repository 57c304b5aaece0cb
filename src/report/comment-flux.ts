// Pure rendering of the comment's Flux section (src/plan/flux.ts reads it from the plan): one sentence per thing the
// plan does to Flux, then a table of the settings it changes, before → after. Bounded: a fixed set of settings per
// object, values cut at MAX_VALUE characters, at most MAX_VALUE_KEYS value keys named.
import semver from 'semver';
import type { FluxObject, FluxPlan, FluxSetting, FluxValue } from '../plan/flux.js';
import { formatNumber, inlineCode, joinWords } from './comment-markdown.js';

/** Longer values (a long Git URL) are cut: the table stays readable and the section's size bounded. */
const MAX_VALUE = 120;
/** Objects shown; a root with more Flux releases than this is not the shipped one, and the lists name them all. */
const MAX_OBJECTS = 6;

const KIND_LABEL: Record<FluxObject['kind'], string> = {
  HelmRelease: 'Helm release',
  GitRepository: 'GitRepository',
  Kustomization: 'Kustomization',
};

function text(value: FluxValue): string | undefined {
  return typeof value === 'object' ? value.text : undefined;
}

function cell(value: FluxValue, present: boolean): string {
  if (!present) return '—';
  if (typeof value === 'object') {
    const t = value.text.length > MAX_VALUE ? `${value.text.slice(0, MAX_VALUE)}…` : value.text;
    return inlineCode(t).replace(/\|/g, '\\|');
  }
  return {
    unset: 'not set',
    unknown: '(known after apply)',
    sensitive: '(sensitive)',
    unreadable: '(not readable from the plan)',
  }[value];
}

const same = (a: FluxValue, b: FluxValue): boolean =>
  typeof a === 'object' && typeof b === 'object' ? a.text === b.text : a === b;

const creates = (o: FluxObject): boolean => o.action === 'create' || o.action === 'replace';
const deletes = (o: FluxObject): boolean => o.action === 'delete';

/** The rows worth a reviewer's eye: every setting of what is created or removed, what changes of the rest. */
function shownSettings(o: FluxObject): FluxSetting[] {
  if (creates(o)) return o.settings.filter((s) => s.after !== 'unset' || s.label === 'secret');
  // A removal lists what goes; an unset setting is not something that goes.
  if (deletes(o)) return o.settings.filter((s) => s.before !== 'unset');
  return o.settings.filter((s) => s.drifted || !same(s.before, s.after));
}

/** Which sides the table shows: a first install has no "before", a removal no "after". */
interface Columns {
  before: boolean;
  after: boolean;
}

function settingRows(o: FluxObject, columns: Columns): string[] {
  const label = `${KIND_LABEL[o.kind]}${o.name ? ` ${inlineCode(o.name)}` : ''}`;
  return shownSettings(o).map((s, i) => {
    const cells = [i === 0 ? label : '', s.label];
    if (columns.before)
      cells.push(
        s.drifted ? 'changed in the cluster (its value is not in the plan)' : cell(s.before, o.action !== 'create'),
      );
    if (columns.after) cells.push(cell(s.after, !deletes(o)));
    return `| ${cells.join(' | ')} |`;
  });
}

function settingsTable(objects: FluxObject[]): string {
  const columns = { before: objects.some((o) => o.action !== 'create'), after: objects.some((o) => !deletes(o)) };
  const rows = objects.flatMap((o) => settingRows(o, columns));
  if (rows.length === 0) return '';
  const titles = ['', 'Setting', ...(columns.before ? ['Before'] : []), ...(columns.after ? ['After'] : [])];
  if (!columns.after) titles[2] = 'Removed';
  if (!columns.before) titles[2] = 'Value';
  return [`| ${titles.join(' | ')} |`, `|${' --- |'.repeat(titles.length)}`, ...rows].join('\n');
}

const DELETION_POLICY: Record<string, string> = {
  Orphan: 'what it applied stays in the cluster',
  MirrorPrune: 'what it applied is deleted, as pruning would',
  Delete: 'what it applied is deleted',
  WaitForTermination: 'what it applied is deleted, and the deletion waits for it to be gone',
};

function kustomizationRemoval(objects: FluxObject[]): string | undefined {
  const k = objects.find((o) => o.kind === 'Kustomization' && deletes(o));
  const policy = text(setting(k, 'deletion policy')?.before ?? 'unset');
  if (!k || !policy) return undefined;
  const meaning = DELETION_POLICY[policy] ?? 'see the Flux documentation for this deletion policy';
  return `The Kustomization is deleted with deletion policy ${inlineCode(policy)}: ${meaning}.`;
}

function setting(o: FluxObject | undefined, label: string): FluxSetting | undefined {
  return o?.settings.find((s) => s.label === label);
}

function releaseSentence(release: FluxObject): string | undefined {
  const chart = setting(release, 'chart version');
  const flux = setting(release, 'Flux version');
  const chartAfter = text(chart?.after ?? 'unset');
  const chartBefore = text(chart?.before ?? 'unset');
  const fluxNote = (value: FluxValue | undefined): string =>
    text(value ?? 'unset') ? ` Flux ${text(value!)}` : ' Flux';
  if (release.action === 'create' || release.action === 'replace') {
    const verb = release.action === 'create' ? '**Installs' : '**Reinstalls';
    const version = text(flux?.after ?? 'unset');
    const from = chartAfter ? ` from chart ${inlineCode(`flux2 ${chartAfter}`)}` : '';
    const unknown = version ? '' : ' The Flux version the chart brings is known after apply.';
    const again = release.action === 'replace' ? ' The Helm release is destroyed and created again.' : '';
    return `${verb}${fluxNote(flux?.after)}**${from}.${again}${unknown}`;
  }
  if (release.action === 'delete') {
    const crds = text(setting(release, 'CRDs on uninstall')?.before ?? 'unset');
    const fluxVersion = text(flux?.before ?? 'unset');
    const what = `**Removes Flux${fluxVersion ? ` ${fluxVersion}` : ''}**`;
    if (crds === 'kept') return `${what}; CRDs are kept, so other Flux objects in the cluster survive.`;
    return `${what} and its CRDs: every Flux object in the cluster is deleted with them.`;
  }
  if (chart && chartBefore && chartAfter && chartBefore !== chartAfter) {
    const [b, a] = [semver.valid(chartBefore), semver.valid(chartAfter)];
    const verb = b && a && semver.lt(a, b) ? 'Downgrades' : b && a ? 'Upgrades' : 'Changes';
    const now = text(flux?.before ?? 'unset');
    const next = flux && flux.after === 'unknown' ? '; the new Flux version is known after apply' : '';
    return `**${verb} Flux’s chart** ${inlineCode(chartBefore)} → ${inlineCode(chartAfter)}${now ? ` (Flux ${now} now${next})` : ''}.`;
  }
  return undefined;
}

function changesSentence(objects: FluxObject[]): string | undefined {
  const parts = objects
    .filter((o) => o.action === 'update')
    .map((o) => {
      const labels = o.settings.filter((s) => !s.drifted && !same(s.before, s.after)).map((s) => s.label);
      const own =
        o.kind === 'HelmRelease' ? labels.filter((l) => l !== 'chart version' && l !== 'Flux version') : labels;
      const keys =
        o.valueKeys && (typeof o.valueKeys !== 'object' || o.valueKeys.keys.length > 0) ? ['chart values'] : [];
      const all = [...own, ...keys];
      return all.length > 0 ? `the ${KIND_LABEL[o.kind]}’s ${joinWords(all)}` : undefined;
    })
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? `**Changes** ${joinWords(parts)}.` : undefined;
}

function driftSentence(objects: FluxObject[]): string | undefined {
  const drifted = objects.filter((o) => o.drift && o.drift.length > 0);
  if (drifted.length === 0) return undefined;
  const what = drifted.map((o) => {
    const named = o.settings.filter((s) => s.drifted).map((s) => s.label);
    const fields = named.length > 0 ? named : o.drift!.slice(0, 8).map(inlineCode);
    return `the ${KIND_LABEL[o.kind]}’s ${joinWords(fields)}`;
  });
  const restores = drifted.some((o) => o.action !== 'no-op');
  const then = restores ? 'this plan puts back what the configuration says' : 'this plan leaves them as they are';
  return `**Changed outside OpenTofu:** ${joinWords(what)}; ${then}.`;
}

function valueKeysLine(release: FluxObject | undefined): string | undefined {
  const keys = release?.valueKeys;
  if (!keys) return undefined;
  if (keys === 'sensitive') return 'Chart values change; they are sensitive, so not even their keys are shown.';
  if (keys === 'unknown') return 'Chart values: known after apply.';
  if (keys === 'unreadable') return 'Chart values change in a way the plan does not let us read; see the full plan.';
  if (keys.keys.length === 0) return undefined;
  const more = keys.more > 0 ? [`${formatNumber(keys.more)} more`] : [];
  return `Chart value keys that change: ${joinWords([...keys.keys.map((k) => inlineCode(k)), ...more])} (values are not shown: they may hold secrets).`;
}

/** The section, or '' when the plan touches no Flux object. */
export function renderFluxSection(flux: FluxPlan | undefined): string {
  const objects = flux?.objects.slice(0, MAX_OBJECTS) ?? [];
  if (objects.length === 0) return '';
  const release = objects.find((o) => o.kind === 'HelmRelease');
  const sentences = [
    release ? releaseSentence(release) : undefined,
    changesSentence(objects),
    kustomizationRemoval(objects),
    driftSentence(objects),
    valueKeysLine(release),
  ].filter((s): s is string => s !== undefined);
  const table = settingsTable(objects);
  const more = (flux?.objects.length ?? 0) - objects.length;
  const note = more > 0 ? `${formatNumber(more)} more Flux objects are in the lists below.` : '';
  return ['### Flux', ...sentences, table, note].filter((b) => b !== '').join('\n\n');
}
