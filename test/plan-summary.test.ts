// PlanSummary and the plan fingerprint, checked against real plans that the real tofu makes from the fixture
// configurations in test/fixtures/plans/ (tofu's own "Plan: …" line and exit code are the reference).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { planFingerprint } from '../src/plan/fingerprint.js';
import { summarizePlan, type PlanSummary } from '../src/plan/summary.js';
import { planScenario, scenarioNames, type PlanRun } from './fixtures/plans/generate.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'flux-plan-summary-'));
const runs = new Map<string, PlanRun>();

function run(name: string): PlanRun {
  const found = runs.get(name);
  if (!found) throw new Error(`scenario ${name} was not planned`);
  return found;
}

function summary(name: string): PlanSummary {
  return summarizePlan(run(name).json);
}

const addresses = (s: PlanSummary, action: string): string[] =>
  s.changes.filter((c) => c.action === action).map((c) => c.address);

/** tofu's own counts from the text: "Plan: 1 to import, 2 to add, 2 to change, 2 to destroy, 1 to forget." */
function tofuCounts(text: string): Record<string, number> {
  const line = /^Plan: (.*)\.$/m.exec(text)?.[1] ?? '';
  const counts: Record<string, number> = { import: 0, add: 0, change: 0, destroy: 0, forget: 0 };
  for (const part of line.split(', ')) {
    const match = /^(\d+) to (\w+)$/.exec(part);
    if (match) counts[match[2]!] = Number(match[1]);
  }
  return counts;
}

beforeAll(async () => {
  const names = await scenarioNames();
  // Two at a time: the machine has two cores and each scenario is a few tofu processes in a row.
  for (let i = 0; i < names.length; i += 2) {
    const batch = names.slice(i, i + 2);
    const results = await Promise.all(batch.map((name) => planScenario(name, work)));
    batch.forEach((name, j) => runs.set(name, results[j]!));
  }
});

describe('summarizePlan on real plans', () => {
  it('agrees with tofu on every scenario: counts of the "Plan:" line and has-changes vs exit code 2', () => {
    const checked: string[] = [];
    for (const [name, planRun] of runs) {
      if (planRun.exitCode === 1) continue;
      const s = summarizePlan(planRun.json);
      expect(s.hasChanges, name).toBe(planRun.exitCode === 2);
      const counts = tofuCounts(planRun.text);
      expect({ import: s.import, add: s.add, change: s.change, destroy: s.destroy, forget: s.forget }, name).toEqual(
        counts,
      );
      checked.push(name);
    }
    expect(checked.length).toBeGreaterThanOrEqual(10);
  });

  it('lists creates, including for_each instances', () => {
    const s = summary('create');
    expect(addresses(s, 'create')).toEqual([
      'terraform_data.controller["helm"]',
      'terraform_data.controller["kustomize"]',
      'terraform_data.controller["source"]',
      'terraform_data.namespace',
    ]);
    expect(s.outputChanges).toEqual([{ name: 'namespace', action: 'create' }]);
    expect(s.changes.every((c) => c.type === 'terraform_data')).toBe(true);
  });

  it('counts destroys and names them', () => {
    const s = summary('destroy');
    expect(s).toMatchObject({ add: 0, change: 0, destroy: 2, replace: 0 });
    expect(addresses(s, 'delete')).toEqual([
      'terraform_data.controller["kustomize"]',
      'terraform_data.controller["source"]',
    ]);
    expect(s.changes[0]!.reason).toBe('delete_because_no_resource_config');
  });

  it('counts a replacement as one add and one destroy, and says which attribute forces it', () => {
    const s = summary('replace');
    expect(s).toMatchObject({ add: 2, destroy: 2, replace: 2, change: 0 });
    const replaced = s.changes.filter((c) => c.action === 'replace');
    expect(replaced.map((c) => c.address)).toEqual(['terraform_data.namespace', 'terraform_data.release']);
    expect(replaced.every((c) => c.replacePaths?.includes('triggers_replace'))).toBe(true);
  });

  it('marks imports, with and without other changes', () => {
    const s = summary('import');
    expect(s.import).toBe(2);
    const byAddress = Object.fromEntries(s.changes.map((c) => [c.address, c]));
    expect(byAddress['terraform_data.existing_secret']).toMatchObject({ action: 'import', importing: true });
    expect(byAddress['terraform_data.existing_release']).toMatchObject({ action: 'update', importing: true });
    expect(s.change).toBe(1);
  });

  it('records moves with their previous address, into a module too', () => {
    const s = summary('move');
    expect(s.move).toBe(2);
    expect(s.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          address: 'terraform_data.kustomization',
          previousAddress: 'terraform_data.sync',
          action: 'move',
        }),
        expect.objectContaining({
          address: 'module.sync.terraform_data.git_repository',
          previousAddress: 'terraform_data.source',
          action: 'update',
        }),
      ]),
    );
  });

  it('reports objects removed from state without destroying them as forget, not destroy', () => {
    const s = summary('forget');
    expect(s).toMatchObject({ forget: 1, destroy: 0 });
    expect(addresses(s, 'forget')).toEqual(['terraform_data.crds']);
  });

  it('reads drift from resource_drift: an object changed and one deleted outside OpenTofu', () => {
    const s = summary('drift');
    expect(s.drift.map((d) => [d.address, d.action])).toEqual([
      ['outside_file.replicas', 'update'],
      ['outside_file.values', 'delete'],
    ]);
    expect(addresses(s, 'create')).toEqual(['outside_file.values']);
  });

  it('sees output-only changes', () => {
    const s = summary('outputs');
    expect(s.changes).toEqual([]);
    expect(s.outputChanges).toEqual([
      { name: 'kustomization_name', action: 'create' },
      { name: 'namespace', action: 'update' },
    ]);
    expect(s.hasChanges).toBe(true);
  });

  it('has no changes when the configuration matches the state', () => {
    const s = summary('no-changes');
    expect(s).toMatchObject({ add: 0, change: 0, destroy: 0, changes: [], drift: [], hasChanges: false });
  });

  it('has a failing plan with no JSON to read (exit code 1)', () => {
    expect(run('error').exitCode).toBe(1);
    expect(run('error').json).toBeUndefined();
    expect(run('error').stderr).toContain('longer than 100 characters');
  });
});

describe('summarizePlan on input that is not a plan', () => {
  it.each([
    [null, /not an object/],
    [[1, 2], /not an object/],
    [{ resource_changes: 'x' }, /resource_changes is not a list/],
    [{ resource_changes: [{ change: { actions: ['create'] } }] }, /no address/],
  ])('refuses %j', (input, message) => {
    expect(() => summarizePlan(input)).toThrow(message);
  });
});

describe('planFingerprint', () => {
  const clone = (value: unknown): Record<string, unknown> =>
    JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

  it('is the same for two separate real plans of the same change (different timestamps)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // timestamps have whole seconds
    // The example scenario imports every object with a fixed id: two runs plan from identical states.
    const again = await planScenario('example', path.join(work, 'again'));
    const first = run('example').json as { timestamp: string };
    expect((again.json as { timestamp: string }).timestamp).not.toBe(first.timestamp);
    expect(planFingerprint(again.json)).toBe(planFingerprint(first));
    expect(planFingerprint(first)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order, timestamps, tofu version fields and the plan text', () => {
    const plan = clone(run('example').json);
    const reversedKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversedKeys)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([k, v]) => [k, reversedKeys(v)]),
            )
          : value;
    const noise = { ...plan, timestamp: '2000-01-01T00:00:00Z', terraform_version: '9.9.9', format_version: '9.0' };
    const hash = planFingerprint(plan);
    expect(planFingerprint(reversedKeys(plan))).toBe(hash);
    expect(planFingerprint(noise)).toBe(hash);
  });

  it('changes when what the apply does changes: an action, a value, an output', () => {
    const plan = clone(run('example').json) as {
      resource_changes: { change: { after: unknown; actions: string[] } }[];
    };
    const hash = planFingerprint(plan);
    const value = clone(plan) as typeof plan;
    const changed = value.resource_changes.find((rc) => rc.change.actions.includes('update'))!;
    changed.change.after = { tampered: true };
    expect(planFingerprint(value)).not.toBe(hash);
    const action = clone(plan) as typeof plan;
    action.resource_changes.find((rc) => rc.change.actions.includes('create'))!.change.actions = ['delete'];
    expect(planFingerprint(action)).not.toBe(hash);
    const output = clone(plan) as { output_changes: Record<string, { after: unknown }> };
    output.output_changes.git_repository_name!.after = 'other';
    expect(planFingerprint(output)).not.toBe(hash);
    expect(planFingerprint(run('create').json)).not.toBe(planFingerprint(run('destroy').json));
  });

  it('ignores untouched objects, so an unrelated apply between review and merge does not refuse the plan', () => {
    const plan = clone(run('move').json) as { resource_changes: { change: { actions: string[]; before: unknown } }[] };
    const untouched = clone(run('destroy').json) as typeof plan;
    const noOp = untouched.resource_changes.find((rc) => rc.change.actions[0] === 'no-op')!;
    const hash = planFingerprint(untouched);
    noOp.change.before = { input: 'changed by someone else' };
    expect(planFingerprint(untouched)).toBe(hash);
    // A move is a no-op action too, but it is part of what the apply does.
    expect(plan.resource_changes.some((rc) => rc.change.actions[0] === 'no-op')).toBe(true);
    const moved = clone(plan) as typeof plan;
    moved.resource_changes.find((rc) => rc.change.actions[0] === 'no-op')!.change.before = { other: 1 };
    expect(planFingerprint(moved)).not.toBe(planFingerprint(plan));
  });

  it('does not hash sensitive values in the clear, but does hash where they are', () => {
    const base = {
      resource_changes: [
        {
          address: 'terraform_data.secret',
          type: 'terraform_data',
          change: { actions: ['create'], before: null, after: { input: 'hunter2' }, after_sensitive: { input: true } },
        },
      ],
    };
    const other = clone(base) as typeof base;
    other.resource_changes[0]!.change.after.input = 'hunter3';
    expect(planFingerprint(other)).toBe(planFingerprint(base));
    const notSensitive = clone(base) as typeof base;
    notSensitive.resource_changes[0]!.change.after_sensitive = { input: false };
    expect(planFingerprint(notSensitive)).not.toBe(planFingerprint(base));
  });
});
