// readFluxPlan and changedAttributes on the marks the shipped root never makes: sensitive Helm values, values known
// only after apply, set_sensitive, a field alekc/kubectl obfuscates, more keys and attributes than the comment
// names. The real plans (first install, bump, path change, removal, drift) are in test/comment-flux.test.ts; these
// entries are written by hand because no input of the shipped root marks its values sensitive or unknown.
import { describe, expect, it } from 'vitest';
import { changedAttributes, MAX_ATTRIBUTES } from '../src/plan/attributes.js';
import { MAX_VALUE_KEYS, readFluxPlan } from '../src/plan/flux.js';
import { renderFluxSection } from '../src/report/comment-flux.js';

const release = (attrs: Record<string, unknown>) => ({
  name: 'flux2',
  chart: 'flux2',
  version: '2.18.3',
  namespace: 'flux-system',
  repository: 'https://charts.example',
  values: ['{}\n'],
  set: [],
  ...attrs,
});

function plan(change: Record<string, unknown>, type = 'helm_release') {
  return { resource_changes: [{ address: `${type}.flux`, type, change }] };
}

describe('readFluxPlan: what cannot be shown is said, never guessed', () => {
  it('sensitive values documents: the change is said, not even the keys are named', () => {
    const flux = readFluxPlan(
      plan({
        actions: ['update'],
        before: release({ values: ['token: a\n'] }),
        after: release({ values: ['token: b\n'] }),
        before_sensitive: { values: [true] },
        after_sensitive: { values: [true] },
        after_unknown: {},
      }),
    );
    expect(flux.objects[0]!.valueKeys).toBe('sensitive');
    const section = renderFluxSection(flux);
    expect(section).toContain('Chart values change; they are sensitive, so not even their keys are shown.');
    expect(section).not.toContain('token');
  });

  it('values known only after apply, and a controller switch from a sensitive set value', () => {
    const unknown = readFluxPlan(
      plan({ actions: ['update'], before: release({}), after: release({}), after_unknown: { values: [true] } }),
    );
    expect(unknown.objects[0]!.valueKeys).toBe('unknown');
    expect(unknown.objects[0]!.settings.find((s) => s.label === 'multi-tenancy')!.after).toBe('unknown');

    const switched = readFluxPlan(
      plan({
        actions: ['update'],
        before: release({ set: [{ name: 'multitenancy.enabled', value: 'false' }] }),
        after: release({ set: [{ name: 'multitenancy.enabled', value: 'true' }] }),
        after_sensitive: { set: [{ value: true }] },
        after_unknown: {},
      }),
    );
    const row = switched.objects[0]!.settings.find((s) => s.label === 'multi-tenancy')!;
    expect(row).toMatchObject({ before: { text: 'off' }, after: 'sensitive' });
    expect(renderFluxSection(switched)).toContain('| Helm release `flux2` | multi-tenancy | `off` | (sensitive) |');
  });

  it('set_sensitive keys are named, their values never; keys beyond the limit are counted', () => {
    const keys = Array.from({ length: MAX_VALUE_KEYS + 5 }, (_, i) => `k${String(i).padStart(2, '0')}: 1`);
    const flux = readFluxPlan(
      plan({
        actions: ['update'],
        before: release({ set_sensitive: [{ name: 'git.password', value: 'hunter2-old' }] }),
        after: release({
          values: [`${keys.join('\n')}\n`],
          set_sensitive: [{ name: 'git.password', value: 'hunter2-new' }],
        }),
        after_sensitive: { set_sensitive: true },
        after_unknown: {},
      }),
    );
    const valueKeys = flux.objects[0]!.valueKeys as { keys: string[]; more: number };
    expect(valueKeys.keys).toHaveLength(MAX_VALUE_KEYS);
    expect(valueKeys.keys).toContain('git.password');
    expect(valueKeys.more).toBe(6);
    const section = renderFluxSection(flux);
    expect(section).toContain('and 6 more (values are not shown');
    expect(section).not.toContain('hunter2');
  });

  it('a field obfuscated in yaml_body_parsed is sensitive; a manifest known only after apply is unknown', () => {
    const manifest = (url: string) => ({
      kind: 'GitRepository',
      name: 'flux-system',
      yaml_body_parsed: `kind: GitRepository\nspec:\n  url: ${url}\n  interval: 1m\n`,
    });
    const flux = readFluxPlan(
      plan(
        {
          actions: ['update'],
          before: manifest('https://a.example'),
          after: manifest('(sensitive value)'),
          after_unknown: {},
        },
        'kubectl_manifest',
      ),
    );
    expect(flux.objects[0]!.settings.find((s) => s.label === 'URL')!.after).toBe('sensitive');
    const later = readFluxPlan(
      plan(
        {
          actions: ['create'],
          before: null,
          after: { kind: 'Kustomization', name: 'x' },
          after_unknown: { yaml_body_parsed: true },
        },
        'kubectl_manifest',
      ),
    );
    expect(later.objects[0]!.settings.find((s) => s.label === 'path')!.after).toBe('unknown');
  });

  it('a release removed with its CRDs says so; a helm_release of another chart is not Flux', () => {
    const removal = readFluxPlan(
      plan({ actions: ['delete'], before: release({ metadata: { app_version: '2.8.5' } }), after: null }),
    );
    expect(renderFluxSection(removal)).toContain(
      '**Removes Flux 2.8.5** and its CRDs: every Flux object in the cluster is deleted with them.',
    );
    const other = readFluxPlan(plan({ actions: ['create'], before: null, after: release({ chart: 'cert-manager' }) }));
    expect(other.objects).toEqual([]);
    expect(renderFluxSection(other)).toBe('');
  });
});

describe('changedAttributes: names always, values when short, known and not sensitive', () => {
  it('bounds the names and keeps secrets and long values out', () => {
    const before: Record<string, unknown> = { token: 'old-secret', long: 'x'.repeat(100), list: [1], a: 1 };
    const after: Record<string, unknown> = { token: 'new-secret', long: 'y'.repeat(100), list: [2], a: 2 };
    for (let i = 0; i < MAX_ATTRIBUTES; i++) [before[`z${i}`], after[`z${i}`]] = ['p', 'q'];
    const { changed, more } = changedAttributes({
      before,
      after,
      before_sensitive: { token: true },
      after_sensitive: { token: true },
      after_unknown: {},
    });
    expect(changed).toHaveLength(MAX_ATTRIBUTES);
    expect(more).toBe(4);
    expect(changed.slice(0, 4)).toEqual([
      { name: 'a', before: '1', after: '2' },
      { name: 'list' },
      { name: 'long' },
      { name: 'token', sensitive: true },
    ]);
    expect(JSON.stringify(changed)).not.toMatch(/secret|xxx|yyy/);
  });
});
