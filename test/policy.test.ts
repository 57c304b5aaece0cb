// The Conftest policies in policy/, run by the real conftest: its own Rego unit tests (`conftest verify`), then
// `conftest test` on tfvars fixtures and on plan JSON that the real tofu produces from the shipped root module.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/action-runner.js';
import { tools } from './support/tools.js';

const policyDir = path.join(repoRoot, 'policy');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'policy');
const tfvarsFixture = (name: string): string => path.join(fixtures, 'tfvars', `${name}.tfvars.json`);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'flux-policy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Finding {
  msg: string;
  metadata?: { rule_id?: string; resource?: string; docs?: string };
}
interface ConftestEntry {
  filename: string;
  namespace: string;
  successes: number;
  failures?: Finding[] | null;
  warnings?: Finding[] | null;
}
interface ConftestRun {
  status: number | null;
  entries: ConftestEntry[];
  failures: Finding[];
  warnings: Finding[];
}

function conftest(args: string[]): ConftestRun {
  const run = spawnSync(tools.conftest, [...args, '--output', 'json'], { cwd: repoRoot, encoding: 'utf8' });
  if ((run.status !== 0 && run.status !== 1) || !run.stdout.trim()) {
    throw new Error(`conftest ${args.join(' ')} exited ${run.status}:\n${run.stderr}`);
  }
  const entries = JSON.parse(run.stdout) as ConftestEntry[];
  return {
    status: run.status,
    entries,
    failures: entries.flatMap((e) => e.failures ?? []),
    warnings: entries.flatMap((e) => e.warnings ?? []),
  };
}

const ruleIds = (findings: Finding[]): string[] => [...new Set(findings.map((f) => f.metadata?.rule_id ?? '?'))].sort();
const testTfvars = (file: string, ...extra: string[]): ConftestRun =>
  conftest(['test', '--policy', 'policy', '--namespace', 'flux.tfvars', ...extra, file]);
const testPlan = (file: string, ...extra: string[]): ConftestRun =>
  conftest(['test', '--policy', 'policy', '--namespace', 'flux.plan', ...extra, file]);

/** The rule catalogue, read from the policy itself so the README and the tests cannot drift from it. */
const catalogue: Record<string, string> = Object.fromEntries(
  [...readFileSync(path.join(policyDir, 'lib', 'rules.rego'), 'utf8').matchAll(/"(FLUX\d{3})": "([a-z-]+)"/g)].map(
    (m) => [m[1]!, m[2]!],
  ),
);
/** Every rule id some fixture made fail, across tfvars and plans: each rule must show up here. */
const seenFailing = new Set<string>();
const record = (run: ConftestRun): ConftestRun => {
  for (const id of ruleIds([...run.failures, ...run.warnings])) seenFailing.add(id);
  return run;
};

describe('conftest verify (the *_test.rego cases)', () => {
  it('passes every Rego test beside the policies', () => {
    const run = conftest(['verify', '--policy', 'policy']);
    expect(run.failures.map((f) => f.msg)).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.entries.length).toBeGreaterThanOrEqual(70);
  });

  it('fails when a rule is broken, so the Rego tests can catch a regression', () => {
    const broken = path.join(scratch, 'broken-policy');
    cpSync(policyDir, broken, { recursive: true });
    const checks = path.join(broken, 'lib', 'checks.rego');
    // Accept hours: the interval tests must notice.
    writeFileSync(
      checks,
      readFileSync(checks, 'utf8').replace('(s|m)$`', () => '(s|m|h)$`'),
    );
    const run = conftest(['verify', '--policy', broken]);
    expect(run.status).toBe(1);
    expect(run.failures.map((f) => f.msg).join('\n')).toMatch(/test_interval_denied_forms/);
  });
});

describe('conftest test on tfvars', () => {
  it.each(['compliant', 'minimal-ssh', 'install-false', 'multitenancy-on', 'interval-long'])('passes %s', (name) => {
    const run = record(testTfvars(tfvarsFixture(name)));
    expect(run.failures).toEqual([]);
    expect(run.status).toBe(0);
    expect(run.entries[0]!.successes).toBeGreaterThan(0);
  });

  it.each([
    ['url-scp', ['FLUX001'], 'write it as "ssh://git@github.com/acme/fleet.git"'],
    ['url-http', ['FLUX001'], 'use https:// instead: "https://github.com/acme/fleet.git"'],
    ['url-file', ['FLUX001'], 'the scheme file://'],
    ['interval-hours', ['FLUX002'], 'write "60m"'],
    ['interval-compound', ['FLUX002'], 'write "90s"'],
    ['interval-zero', ['FLUX002'], 'is zero'],
    ['prune-false', ['FLUX003'], 'flux.git.prune = false'],
    ['path-absolute', ['FLUX006'], '"./clusters/dev"'],
    ['path-climbs', ['FLUX006'], '`..` segment'],
    ['all-wrong', ['FLUX001', 'FLUX002', 'FLUX003', 'FLUX006'], 'flux.git.path = "../x"'],
  ])('fails %s with %j', (name, expected, text) => {
    const run = record(testTfvars(tfvarsFixture(name)));
    expect(run.status).toBe(1);
    expect(ruleIds(run.failures)).toEqual(expected);
    expect(run.failures.map((f) => f.msg).join('\n')).toContain(text);
  });

  it('fails an input that is neither tfvars nor plan (FLUX000), under either namespace', () => {
    const file = path.join(fixtures, 'not-flux.json');
    expect(ruleIds(record(testTfvars(file)).failures)).toEqual(['FLUX000']);
    expect(ruleIds(testPlan(file).failures)).toEqual(['FLUX000']);
  });

  it('does not judge tfvars by the plan rules under --all-namespaces', () => {
    const run = conftest(['test', '--policy', 'policy', '--all-namespaces', tfvarsFixture('compliant')]);
    expect(run.status).toBe(0);
    expect(run.entries.find((e) => e.namespace === 'flux.plan')?.failures ?? []).toEqual([]);
    expect(ruleIds(testPlan(tfvarsFixture('url-scp')).failures)).toEqual([]);
  });

  it('applies the options from Conftest data: warn-only by default, deny when enforced', () => {
    const advisory = record(testTfvars(tfvarsFixture('interval-long'), '--data', 'policy/data/advisory.yaml'));
    expect(advisory.status).toBe(0);
    expect(ruleIds(advisory.warnings)).toEqual(['FLUX008', 'FLUX009']);

    const strict = testTfvars(tfvarsFixture('interval-long'), '--data', 'policy/data/strict.yaml');
    expect(strict.status).toBe(1);
    expect(ruleIds(strict.failures)).toEqual(['FLUX008', 'FLUX009']);

    const locked = testTfvars(tfvarsFixture('multitenancy-on'), '--data', 'policy/data/strict.yaml');
    expect(locked.failures).toEqual([]);
  });

  it('reports a misconfigured option as a failure rather than ignoring it', () => {
    const bad = path.join(scratch, 'bad-options.json');
    writeFileSync(bad, JSON.stringify({ flux_policy: { interval: { max: 'ten minutes' } } }));
    const run = testTfvars(tfvarsFixture('compliant'), '--data', bad);
    expect(run.status).toBe(1);
    expect(run.failures.map((f) => f.msg).join('\n')).toMatch(/data\.flux_policy\.interval\.max = "ten minutes"/);
  });

  it('never shows credentials embedded in a URL', () => {
    const file = path.join(scratch, 'secret-url.tfvars.json');
    writeFileSync(file, JSON.stringify({ flux: { git: { url: 'http://user:s3cr3t-token@github.com/acme/fleet' } } }));
    const run = testTfvars(file);
    expect(ruleIds(run.failures)).toEqual(['FLUX001']);
    expect(JSON.stringify(run.entries)).not.toContain('s3cr3t-token');
  });
});

describe('policy/README.md', () => {
  const readme = readFileSync(path.join(policyDir, 'README.md'), 'utf8');
  // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
  const anchors = new Set(
    [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );

  it('has one section per rule, which the messages link to', () => {
    expect(Object.keys(catalogue)).toHaveLength(10);
    for (const [id, title] of Object.entries(catalogue)) {
      expect(anchors, `${id} section`).toContain(`${id.toLowerCase()}-${title}`);
    }
    const run = testTfvars(tfvarsFixture('all-wrong'));
    for (const finding of run.failures) {
      const link = /See policy\/README\.md#([a-z0-9-]+)$/.exec(finding.msg)?.[1];
      expect(anchors, finding.msg).toContain(link);
    }
  });

  it('shows an example violation and its fix in every rule section', () => {
    for (const [id, title] of Object.entries(catalogue)) {
      const section = readme.split(`### ${id}: ${title}`)[1]!.split(/^### /m)[0]!;
      expect(section, id).toMatch(/Violation/);
      expect(section, id).toMatch(/Fix/);
    }
  });
});

/** A `run` block of a generated .tftest.hcl: a plan of the configuration with these variables. */
interface PlanRun {
  name: string;
  variables: Record<string, unknown>;
  /** The configuration's own validation must refuse the variables (tofu test `expect_failures`). */
  refusedBy?: string;
}
interface TofuRunResult {
  status: string;
  plan?: unknown;
}

/**
 * One mock_provider per provider `tofu init` installed (the lock file lists the child modules' too), plus one per
 * aliased provider configuration in the root, so that no call reaches the stand-ins' refusing plan/apply.
 */
function mockProviders(dir: string): string[] {
  const lock = readFileSync(path.join(dir, '.terraform.lock.hcl'), 'utf8');
  const types = [...lock.matchAll(/^provider "[^"]*\/([^"/]+)"/gm)].map((m) => m[1]!);
  const aliases = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split(/^provider "/m)
        .slice(1),
    )
    .flatMap((block) => {
      const name = block.slice(0, block.indexOf('"'));
      // tofu fmt closes a top-level block with "}" at the start of a line.
      const alias = /^\s*alias\s*=\s*"([^"]+)"/m.exec(block.split(/^\}/m)[0]!)?.[1];
      return alias ? [`mock_provider "${name}" {\n  alias = "${alias}"\n}\n`] : [];
    });
  return [...types.map((t) => `mock_provider "${t}" {}\n`), ...aliases];
}

/**
 * Plans `configDir` (copied into scratch, with its sibling modules) once per run with the real tofu, through
 * `tofu test` with mock providers: the provider stand-ins only serve schemas, so a plain `tofu plan` cannot run
 * offline. `tofu test -json -verbose` prints each run's plan in the same JSON as `tofu show -json`.
 */
function planWithTofu(copyRoot: string, configSubdir: string, runs: PlanRun[]): Map<string, TofuRunResult> {
  const tofurc = tools.tofurc;
  if (!tofurc) throw new Error('FLUX_TOFURC is not set: scripts/test-tools.sh builds the provider stand-ins');
  const work = mkdtempSync(path.join(scratch, 'tofu-'));
  cpSync(copyRoot, work, { recursive: true, filter: (src) => !/\.terraform(\.lock\.hcl)?$/.test(src) });
  const dir = path.join(work, configSubdir);
  const blocks = runs.map((run) => {
    // JSON is valid HCL for these values (no "${" in them), so the variables go in as written.
    const vars = Object.entries(run.variables).map(([k, v]) => `    ${k} = ${JSON.stringify(v)}`);
    const expect = run.refusedBy ? `  expect_failures = [${run.refusedBy}]\n` : '';
    return `run "${run.name}" {\n  command = plan\n${expect}  variables {\n${vars.join('\n')}\n  }\n}\n`;
  });
  const env = { ...process.env, TF_CLI_CONFIG_FILE: tofurc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  const init = spawnSync(tools.tofu, ['init', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`tofu init failed:\n${init.stdout}${init.stderr}`);
  writeFileSync(path.join(dir, 'policy_plans.tftest.hcl'), [...mockProviders(dir), ...blocks].join('\n'));
  const test = spawnSync(tools.tofu, ['test', '-json', '-verbose', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
  const results = new Map<string, TofuRunResult>();
  for (const line of test.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const msg = JSON.parse(line) as { type: string; '@testrun'?: string; test_run?: { run: string; status: string } };
    if (msg.type === 'test_run' && msg.test_run) {
      results.set(msg.test_run.run, { ...results.get(msg.test_run.run), status: msg.test_run.status });
    }
    if (msg.type === 'test_plan' && msg['@testrun']) {
      const run = msg['@testrun'];
      results.set(run, {
        status: results.get(run)?.status ?? 'unknown',
        plan: (msg as { test_plan?: unknown }).test_plan,
      });
    }
  }
  if (results.size === 0) throw new Error(`tofu test printed no runs (exit ${test.status}):\n${test.stderr}`);
  return results;
}

function planFile(results: Map<string, TofuRunResult>, name: string): string {
  const result = results.get(name);
  expect(result?.status, `tofu test run "${name}"`).toBe('pass');
  expect(result?.plan, `plan of run "${name}"`).toBeDefined();
  const file = path.join(scratch, `${name}.plan.json`);
  writeFileSync(file, JSON.stringify(result!.plan));
  return file;
}

const gitRepository = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  metadata: { name: 'flux-system', namespace: 'flux-system' },
  spec: { url: 'https://github.com/acme/fleet.git', interval: '1m', ref: { branch: 'main' } },
};
const kustomization = {
  apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
  kind: 'Kustomization',
  metadata: { name: 'flux-system', namespace: 'flux-system' },
  spec: {
    interval: '1m',
    path: './clusters/dev',
    prune: true,
    sourceRef: { kind: 'GitRepository', name: 'flux-system' },
  },
};
const withSpec = <T extends { spec: object }>(doc: T, spec: object): T => ({ ...doc, spec: { ...doc.spec, ...spec } });

describe('conftest test on plans from a foreign root (test/fixtures/policy/other-root)', () => {
  // Each violation as another configuration would declare it; planned once by the real tofu.
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['compliant', { git_repository: gitRepository, kustomization }, []],
    [
      'scp_url',
      { git_repository: withSpec(gitRepository, { url: 'git@github.com:acme/fleet.git' }), kustomization },
      ['FLUX001'],
    ],
    [
      'hours',
      { git_repository: gitRepository, kustomization: withSpec(kustomization, { interval: '1h' }) },
      ['FLUX002'],
    ],
    [
      'no_prune',
      { git_repository: gitRepository, kustomization: withSpec(kustomization, { prune: false }) },
      ['FLUX003'],
    ],
    [
      'oci_source',
      {
        git_repository: gitRepository,
        kustomization: withSpec(kustomization, { sourceRef: { kind: 'OCIRepository', name: 'x' } }),
      },
      ['FLUX004'],
    ],
    [
      'foreign_source',
      {
        git_repository: gitRepository,
        kustomization: withSpec(kustomization, { sourceRef: { kind: 'GitRepository', name: 'theirs' } }),
      },
      ['FLUX004'],
    ],
    [
      'suspended',
      { git_repository: gitRepository, kustomization: withSpec(kustomization, { suspend: true }) },
      ['FLUX005'],
    ],
    [
      'climbs',
      { git_repository: gitRepository, kustomization: withSpec(kustomization, { path: '../../etc' }) },
      ['FLUX006'],
    ],
    ['no_kustomization', { git_repository: gitRepository }, ['FLUX007']],
    ['nothing', {}, ['FLUX007']],
  ];
  let plans: Map<string, TofuRunResult>;

  it('plans every case with the real tofu', () => {
    plans = planWithTofu(
      fixtures,
      'other-root',
      cases.map(([name, variables]) => ({ name, variables })),
    );
    expect([...plans.keys()].sort()).toEqual(cases.map(([name]) => name).sort());
  });

  it.each(cases)('%s', (name, _variables, expected) => {
    const run = record(testPlan(planFile(plans, name)));
    expect(ruleIds(run.failures)).toEqual(expected);
    expect(run.status).toBe(expected.length ? 1 : 0);
    if (expected.length) expect(run.failures.every((f) => f.metadata?.resource?.length)).toBe(true);
  });
});

// Runs last: every rule must have failed on at least one fixture above or in the plan suite.
describe('coverage of the rule catalogue', () => {
  it('made every rule fail at least once across the fixtures', () => {
    expect([...seenFailing].sort()).toEqual(Object.keys(catalogue).sort());
  });
});
