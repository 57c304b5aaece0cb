// The Conftest policies in policy/, run by the real conftest: its own Rego unit tests (`conftest verify`), then
// `conftest test` on tfvars fixtures and on plan JSON that the real tofu produces from the shipped root module.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  conftest,
  planWithTofu,
  type ConftestRun,
  type Finding,
  type PlanRun,
  type TofuRunResult,
} from './fixtures/policy/harness.js';
import { repoRoot } from './support/action-runner.js';

const policyDir = path.join(repoRoot, 'policy');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'policy');
const tfvarsFixture = (name: string): string => path.join(fixtures, 'tfvars', `${name}.tfvars.json`);
/** FLUX010's option as an organisation with its own chart mirrors sets it (warn-only). */
const internalCharts = path.join(fixtures, 'data', 'internal-charts.yaml');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'flux-policy-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

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
    expect(run.entries.length).toBeGreaterThanOrEqual(100);
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
  it.each(['compliant', 'minimal-ssh', 'install-false', 'multitenancy-on', 'interval-long', 'repository-mirror'])(
    'passes %s',
    (name) => {
      const run = record(testTfvars(tfvarsFixture(name)));
      expect(run.failures).toEqual([]);
      expect(run.status).toBe(0);
      expect(run.entries[0]!.successes).toBeGreaterThan(0);
    },
  );

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
    [
      'repository-http',
      ['FLUX010'],
      'https is required: the chart that installs the Flux controllers would be downloaded in clear. Fix: use https:// instead: "https://charts.example.internal/flux"',
    ],
    ['all-wrong', ['FLUX001', 'FLUX002', 'FLUX003', 'FLUX006', 'FLUX010'], 'flux.git.path = "../x"'],
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

  it('restricts the chart repository to the allowed ones (FLUX010 option), default included', () => {
    const mirror = testTfvars(tfvarsFixture('repository-mirror'), '--data', internalCharts);
    expect(mirror.failures).toEqual([]);
    expect(mirror.warnings).toEqual([]);

    const community = record(testTfvars(tfvarsFixture('compliant'), '--data', internalCharts));
    expect(community.status).toBe(0);
    expect(ruleIds(community.warnings)).toEqual(['FLUX010']);
    expect(community.warnings[0]!.msg).toContain(
      'flux.helm.repository = "https://fluxcd-community.github.io/helm-charts" is not among the allowed repositories ' +
        '["https://charts.example.internal/flux", "oci://registry.example.internal/charts"]',
    );

    const enforced = path.join(scratch, 'charts-enforced.json');
    writeFileSync(
      enforced,
      JSON.stringify({
        flux_policy: { chart_repository: { allowed: ['oci://registry.example.internal/charts'], enforcement: 'deny' } },
      }),
    );
    const denied = testTfvars(tfvarsFixture('compliant'), '--data', enforced);
    expect(denied.status).toBe(1);
    expect(ruleIds(denied.failures)).toEqual(['FLUX010']);
    expect(testTfvars(tfvarsFixture('repository-mirror'), '--data', enforced).status).toBe(0);
  });

  it('reports a misconfigured option as a failure rather than ignoring it', () => {
    const bad = path.join(scratch, 'bad-options.json');
    writeFileSync(bad, JSON.stringify({ flux_policy: { interval: { max: 'ten minutes' } } }));
    const run = testTfvars(tfvarsFixture('compliant'), '--data', bad);
    expect(run.status).toBe(1);
    expect(run.failures.map((f) => f.msg).join('\n')).toMatch(/data\.flux_policy\.interval\.max = "ten minutes"/);

    writeFileSync(bad, JSON.stringify({ flux_policy: { chart_repository: { allowed: ['charts.example.internal'] } } }));
    const charts = testTfvars(tfvarsFixture('compliant'), '--data', bad);
    expect(charts.status).toBe(1);
    expect(charts.failures.map((f) => f.msg).join('\n')).toContain(
      'data.flux_policy.chart_repository.allowed[0] = "charts.example.internal" is not an https:// or oci:// URL',
    );

    // A misspelt option name would leave multi-tenancy lockdown off without a word: FLUX011 fails the run.
    writeFileSync(bad, JSON.stringify({ flux_policy: { multitenacy: { required: true, enforcement: 'deny' } } }));
    const misspelt = record(testTfvars(tfvarsFixture('compliant'), '--data', bad));
    expect(misspelt.status).toBe(1);
    expect(ruleIds(misspelt.failures)).toEqual(['FLUX011']);
    expect(misspelt.failures[0]!.msg).toContain('data.flux_policy.multitenacy = {"enforcement":"deny","required":true} is not a known option'); // prettier-ignore
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
    expect(Object.keys(catalogue)).toHaveLength(12);
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
    // FLUX010 is an option: these pass without data and are judged with test/fixtures/policy/data below.
    [
      'mirror',
      { git_repository: gitRepository, kustomization, chart_repository: 'oci://registry.example.internal/charts/flux' },
      [],
    ],
    [
      'community',
      {
        git_repository: gitRepository,
        kustomization,
        chart_repository: 'https://fluxcd-community.github.io/helm-charts',
      },
      [],
    ],
    [
      'sneaky',
      { git_repository: gitRepository, kustomization, chart_repository: 'https://charts.example.internal/flux/../x' },
      [],
    ],
  ];
  let plans: Map<string, TofuRunResult>;

  it('plans every case with the real tofu', () => {
    plans = planWithTofu(
      scratch,
      path.join(fixtures, 'other-root'),
      '.',
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

  it.each([
    ['mirror', []],
    ['community', ['FLUX010']],
    ['sneaky', ['FLUX010']],
    // No repository at all: a local chart, which no allowed repository covers.
    ['compliant', ['FLUX010']],
  ])('judges the chart repository of %s against the allowed ones: %j', (name, expected) => {
    const run = record(testPlan(planFile(plans, name), '--data', internalCharts));
    expect(run.failures).toEqual([]);
    expect(ruleIds(run.warnings)).toEqual(expected);
    expect(run.warnings.map((w) => w.metadata?.resource)).toEqual(expected.map(() => 'helm_release.flux'));
  });
});

describe('conftest test on plans of the shipped root module (modules/root), and on the same flux object', () => {
  const kubeconfig = 'tests/fixtures/kubeconfig'; // the root's own test fixture, relative to modules/root
  const flux = (git: object, more: object = {}): { flux: object } => ({
    flux: {
      git: { url: 'https://github.com/acme/fleet.git', path: './clusters/dev', ...git },
      cluster: { kubeconfig_path: kubeconfig },
      ...more,
    },
  });
  // Plans the module can produce: the policy must pass them, and judge the options on them.
  const planned: Record<string, { flux: object }> = {
    defaults: flux({}),
    ssh_private: flux({ url: 'ssh://git@github.com/acme/fleet.git', secret_name: 'fleet-auth', interval: '30s' }),
    not_installed: flux({}, { install: false }),
    slow: flux({ interval: '90m' }),
    lockdown: flux({}, { multitenancy: true }),
    values_cannot_enable: flux({}, { helm: { values: { multitenancy: { enabled: true } } } }),
    mirror: flux({}, { helm: { repository: 'oci://registry.example.internal/charts/flux' } }),
  };
  // Violations the root's own validation refuses, so no plan exists: tofu must refuse them, and the tfvars rules
  // catch them first. Their plan-side counterparts come from the foreign root above.
  const refused: [string, { flux: object }, string][] = [
    ['scp_url', flux({ url: 'git@github.com:acme/fleet.git' }), 'FLUX001'],
    ['http_url', flux({ url: 'http://github.com/acme/fleet.git' }), 'FLUX001'],
    ['password_url', flux({ url: 'https://bot:hunter2@github.com/acme/fleet.git' }), 'FLUX001'],
    ['hours', flux({ interval: '1h' }), 'FLUX002'],
    ['compound', flux({ interval: '1m30s' }), 'FLUX002'],
    ['zero', flux({ interval: '0s' }), 'FLUX002'],
    ['no_prune', flux({ prune: false }), 'FLUX003'],
    ['absolute_path', flux({ path: '/clusters/dev' }), 'FLUX006'],
    ['climbing_path', flux({ path: './clusters/../../x' }), 'FLUX006'],
    ['http_repository', flux({}, { helm: { repository: 'http://charts.example.internal/flux' } }), 'FLUX010'],
    [
      'password_repository',
      flux({}, { helm: { repository: 'https://bot:hunter2@charts.example.internal/flux' } }),
      'FLUX010',
    ],
  ];
  let results: Map<string, TofuRunResult>;
  const tfvarsFile = (name: string, doc: object): string => {
    const file = path.join(scratch, `${name}.tfvars.json`);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  it('plans the module with the real tofu, and tofu refuses what its validation forbids', () => {
    const runs: PlanRun[] = [
      ...Object.entries(planned).map(([name, variables]) => ({ name, variables })),
      ...refused.map(([name, variables]) => ({ name, variables, refusedBy: 'var.flux' })),
    ];
    results = planWithTofu(scratch, path.join(repoRoot, 'modules'), 'root', runs);
    for (const [name] of refused) expect(results.get(name)?.status, `tofu refuses ${name}`).toBe('pass');
  });

  it.each(Object.keys(planned))('passes the plan and the tfvars of %s', (name) => {
    const plan = testPlan(planFile(results, name));
    expect(plan.failures).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(plan.status).toBe(0);
    expect(testTfvars(tfvarsFile(name, planned[name]!)).failures).toEqual([]);
  });

  it('judges a plan only by the plan rules under --all-namespaces or the tfvars namespace', () => {
    const file = planFile(results, 'defaults');
    const all = conftest(['test', '--policy', 'policy', '--all-namespaces', file]);
    expect(all.status).toBe(0);
    expect(all.entries.find((e) => e.namespace === 'flux.plan')?.successes).toBeGreaterThan(0);
    expect(testTfvars(file).failures).toEqual([]);
  });

  it('reads both Flux objects from the kubectl_manifest resources of the real plan', () => {
    const run = record(testPlan(planFile(results, 'slow'), '--data', 'policy/data/strict.yaml'));
    expect(ruleIds(run.failures)).toEqual(['FLUX008', 'FLUX009']);
    expect(
      run.failures
        .filter((f) => f.metadata?.rule_id === 'FLUX008')
        .map((f) => f.metadata?.resource)
        .sort(),
    ).toEqual(['module.flux[0].kubectl_manifest.git_repository', 'module.flux[0].kubectl_manifest.kustomization']);
    const advisory = testPlan(planFile(results, 'slow'), '--data', 'policy/data/advisory.yaml');
    expect(advisory.status).toBe(0);
    expect(ruleIds(advisory.warnings)).toEqual(['FLUX008', 'FLUX009']);
  });

  it('judges the chart repository the module sets (its default) against the allowed ones (FLUX010)', () => {
    const run = record(testPlan(planFile(results, 'defaults'), '--data', internalCharts));
    expect(run.failures).toEqual([]);
    expect(ruleIds(run.warnings)).toEqual(['FLUX010']);
    expect(run.warnings[0]!.metadata?.resource).toBe('module.flux[0].helm_release.flux');
    expect(run.warnings[0]!.msg).toContain(
      'repository = "https://fluxcd-community.github.io/helm-charts" is not among',
    );

    const community = path.join(scratch, 'charts-community.json');
    writeFileSync(
      community,
      JSON.stringify({
        flux_policy: {
          chart_repository: { allowed: ['https://fluxcd-community.github.io/helm-charts'], enforcement: 'deny' },
        },
      }),
    );
    const allowed = testPlan(planFile(results, 'defaults'), '--data', community);
    expect(allowed.failures).toEqual([]);
    expect(allowed.warnings).toEqual([]);
    expect(testPlan(planFile(results, 'not_installed'), '--data', internalCharts).warnings).toEqual([]);
    const mirror = testPlan(planFile(results, 'mirror'), '--data', internalCharts);
    expect(mirror.failures).toEqual([]);
    expect(mirror.warnings).toEqual([]);
  });

  it("judges multi-tenancy by what the chart will get: the module's set entry wins over helm values", () => {
    expect(testPlan(planFile(results, 'lockdown'), '--data', 'policy/data/strict.yaml').failures).toEqual([]);
    const overridden = testPlan(planFile(results, 'values_cannot_enable'), '--data', 'policy/data/strict.yaml');
    expect(ruleIds(overridden.failures)).toEqual(['FLUX009']);
    expect(
      ruleIds(
        testTfvars(
          tfvarsFile('values_cannot_enable', planned.values_cannot_enable!),
          '--data',
          'policy/data/strict.yaml',
        ).failures,
      ),
    ).toEqual(['FLUX009']);
  });

  it.each(refused)('fails the tfvars of %s (refused by tofu too) with %s', (name, doc, id) => {
    expect(ruleIds(record(testTfvars(tfvarsFile(name, doc))).failures)).toEqual([id]);
  });
});

// Runs last: every rule must have failed on at least one fixture above or in the plan suite.
describe('coverage of the rule catalogue', () => {
  it('made every rule fail at least once across the fixtures', () => {
    expect([...seenFailing].sort()).toEqual(Object.keys(catalogue).sort());
  });
});
