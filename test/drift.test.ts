// The pure core of drift (src/report/drift.ts): which runs measure it, the `drift` output, the job summary section
// and the drift issue's body and marker, rendered from real plans made by the real tofu (test/fixtures/plans/drift:
// files changed outside OpenTofu after an apply; no-changes: a plan with nothing to do).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarizePlan, type PlanSummary } from '../src/plan/summary.js';
import {
  decideDrift,
  DRIFT_LIST_LIMIT,
  driftIssueMarker,
  driftIssueTitle,
  driftOutput,
  parseDriftIssueMetadata,
  renderDriftIssue,
  renderDriftResolved,
  renderDriftSection,
  type DriftFacts,
} from '../src/report/drift.js';
import { planScenario } from './fixtures/plans/generate.js';

const MAIN = 'refs/heads/main';
const facts = (overrides: Partial<DriftFacts>): DriftFacts => ({
  eventName: 'schedule',
  ref: MAIN,
  planExitCode: 2,
  applies: false,
  ...overrides,
});

describe('decideDrift and the drift output', () => {
  it('a plan of main that does not apply measures drift: true with changes, false without', () => {
    for (const eventName of ['schedule', 'workflow_dispatch', 'push']) {
      expect(driftOutput(decideDrift(facts({ eventName, planExitCode: 2 }))), eventName).toBe('true');
      expect(driftOutput(decideDrift(facts({ eventName, planExitCode: 0 }))), eventName).toBe('false');
    }
  });

  it('pull requests, other refs, applying runs and failed plans do not measure it: empty, with the reason', () => {
    const cases: [Partial<DriftFacts>, RegExp][] = [
      [{ eventName: 'pull_request', ref: 'refs/pull/3/merge' }, /pull_request run plans its own commit/],
      [{ ref: 'refs/heads/release' }, /the ref is refs\/heads\/release/],
      [{ eventName: 'push', applies: true }, /applies its plan/],
      [{ planExitCode: 1 }, /the plan failed/],
    ];
    for (const [overrides, why] of cases) {
      const verdict = decideDrift(facts(overrides));
      expect(driftOutput(verdict)).toBe('');
      expect(verdict.measured ? '' : verdict.why).toMatch(why);
    }
  });
});

describe('drift reports from real plans', () => {
  let work: string;
  let drifted: PlanSummary;
  let clean: PlanSummary;
  const report = (summary: PlanSummary) => ({
    target: 'dev',
    headSha: 'c0ffee'.repeat(6) + 'abcd',
    runUrl: 'https://github.example/wildside/infra/actions/runs/7',
    summary,
  });

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'drift-plans-'));
    const [d, n] = await Promise.all([planScenario('drift', work), planScenario('no-changes', work)]);
    expect(d.exitCode).toBe(2);
    expect(n.exitCode).toBe(0);
    drifted = summarizePlan(d.json);
    clean = summarizePlan(n.json);
  }, 300_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the summary section names what changed outside OpenTofu and what applying main would do', () => {
    const section = renderDriftSection(
      { measured: true, drifted: true },
      report(drifted),
      'Opened the drift issue #100.',
    );
    expect(section).toMatch(
      /^### Drift\n\n\*\*The cluster differs from main:\*\* the plan of refs\/heads\/main at `c0ffeec0ffee`/,
    );
    // The refresh found both files changed by hand: one edited, one deleted.
    expect(section).toContain('**Changed outside OpenTofu** (2)');
    // With the attributes the hand-made change touched, as the comment names them (multi-line values are named).
    expect(section).toContain('- `outside_file.replicas` — changed: `content`\n');
    expect(section).toContain('- `outside_file.values` — deleted');
    expect(section).toMatch(/\*\*What applying main would change\*\* \(\d+ to add, \d+ to change, \d+ to destroy/);
    for (const change of drifted.changes) expect(section).toContain(`\`${change.address}\``);
    expect(section.trimEnd().endsWith('Opened the drift issue #100.')).toBe(true);
  });

  it('an entry whose attributes would run long names the resource only, so the lists stay within an issue body', () => {
    const value = (i: number, side: string) => `${side}-${String(i).padStart(2, '0')}-`.padEnd(40, 'x');
    const changed = Array.from({ length: 8 }, (_, i) => ({
      name: `setting_${i}`,
      before: value(i, 'old'),
      after: value(i, 'new'),
    }));
    const wide = { ...drifted.drift[0]!, attributes: { changed, more: 4 } };
    const short = { ...drifted.drift[0]!, attributes: { changed: changed.slice(0, 1), more: 0 } };
    const many = { ...drifted, drift: [...Array.from({ length: 60 }, () => wide), short] };
    const body = renderDriftIssue(report(many));
    expect(body).toContain(`- \`${wide.address}\` — changed\n`);
    expect(body).not.toContain('setting_7');
    expect(body).toContain('- … 11 more not shown (the plan has them all)');
    expect(body.length).toBeLessThan(65_536);
    const one = renderDriftIssue(report({ ...drifted, drift: [short] }));
    expect(one).toContain(
      `- \`${short.address}\` — changed: \`setting_0\` \`${value(0, 'old')}\` → \`${value(0, 'new')}\``,
    );
  });

  it('no drift: one sentence, no lists; a run that does not measure drift has no section', () => {
    const none = renderDriftSection({ measured: true, drifted: false }, report(clean), '');
    expect(none).toBe(
      '### Drift\n\nNone: the plan of refs/heads/main at `c0ffeec0ffee` has no changes, so the cluster matches main.\n',
    );
    expect(renderDriftSection({ measured: false, why: 'x' }, report(drifted), '')).toBe('');
  });

  it('the issue body starts with the marker of its target and carries the same lists and the run link', () => {
    const body = renderDriftIssue(report(drifted));
    expect(parseDriftIssueMetadata(body)).toEqual({ version: 1, target: 'dev', headSha: report(drifted).headSha });
    expect(body).toContain('### Flux drift on `dev`');
    expect(body).toContain('([workflow run](https://github.example/wildside/infra/actions/runs/7))');
    expect(body).toContain('- `outside_file.values` — deleted');
    expect(driftIssueTitle('dev')).toBe('Flux drift: the cluster of dev differs from main');
  });

  it('the resolved body keeps one marker, says so at the top and keeps the last report below', () => {
    const open = renderDriftIssue(report(drifted));
    const resolved = renderDriftResolved(open, { ...report(clean), headSha: 'd'.repeat(40) });
    expect(resolved.match(/<!-- flux-bootstrap-drift:/g)).toHaveLength(1);
    expect(parseDriftIssueMetadata(resolved)?.headSha).toBe('d'.repeat(40));
    expect(resolved.split('\n\n')[1]).toMatch(
      /^\*\*Resolved:\*\* the plan of refs\/heads\/main at `dddddddddddd` has no changes/,
    );
    expect(resolved).toContain('- `outside_file.values` — deleted');
  });

  it('lists are bounded: 10,000 drifted resources show 50 each and count the rest', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({
      address: `module.fleet["${'k'.repeat(300)}${i}"].kubectl_manifest.x`,
      type: 'kubectl_manifest',
      action: 'update' as const,
    }));
    const summary: PlanSummary = { ...drifted, changes: many, drift: many, change: many.length, outputChanges: [] };
    const body = renderDriftIssue(report(summary));
    expect(body.match(/^- `module\.fleet/gm)).toHaveLength(2 * DRIFT_LIST_LIMIT);
    expect(body.match(/… 9,950 more not shown/g)).toHaveLength(2);
    expect(body.length).toBeLessThan(65_536);
    expect(renderDriftSection({ measured: true, drifted: true }, report(summary), '').length).toBeLessThan(65_536);
  });

  it('secrets are scrubbed from the target, the addresses, the marker and the title', () => {
    const secret = 'hunter2-token-value';
    const summary: PlanSummary = {
      ...drifted,
      drift: [{ address: `outside_file.x["${secret}"]`, type: 'outside_file', action: 'update' }],
    };
    const r = { ...report(summary), target: `dev-${secret}` };
    const texts = [
      renderDriftIssue(r, [secret]),
      renderDriftSection({ measured: true, drifted: true }, r, '', [secret]),
      renderDriftResolved(renderDriftIssue(r, [secret]), r, [secret]),
      driftIssueTitle(r.target, [secret]),
    ];
    for (const text of texts) {
      expect(text).not.toContain(secret);
      expect(text).toContain('***');
    }
  });

  it('the marker cannot be closed by a target, and other markers are not drift issues', () => {
    const marker = driftIssueMarker({ version: 1, target: 'a --> <b>', headSha: 'x' });
    expect(marker.indexOf('-->')).toBe(marker.length - 3);
    expect(parseDriftIssueMetadata(`${marker}\nrest`)?.target).toBe('a --> <b>');
    expect(parseDriftIssueMetadata('<!-- flux-bootstrap:{"version":1,"target":"dev","headSha":"x"} -->')).toBeNull();
    expect(
      parseDriftIssueMetadata('<!-- flux-bootstrap-drift:{"version":2,"target":"dev","headSha":"x"} -->'),
    ).toBeNull();
    expect(parseDriftIssueMetadata('text first\n' + marker)).toBeNull();
  });
});
