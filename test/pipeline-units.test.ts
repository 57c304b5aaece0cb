// The pure parts of the pipeline stages the lead wrote: tfvars rendering, exit-code interpretation, tofu's JSON
// diagnostics, conftest's JSON report, the run's outcome, the comment target and the decision to comment.
import { describe, expect, it } from 'vitest';
import type { RunContext } from '../src/context.js';
import { parseInputs, type ActionInputs } from '../src/inputs/schema.js';
import { runFailure } from '../src/outcome.js';
import { describeDiagnostics, readableUiLine, uiDiagnostics } from '../src/plan/diagnostics.js';
import { interpretPlanExitCode } from '../src/plan/exit-code.js';
import { backendArgs, providerSelections, removalWithoutCluster, stateAddresses } from '../src/plan/run.js';
import { backendBlock } from '../src/configuration.js';
import { mergePolicyReports, parseConftestOutput } from '../src/policy/findings.js';
import { planComment } from '../src/report/publish.js';
import { commentTarget, kubeconfigServerHost } from '../src/report/target.js';
import { renderFluxObject, renderTfvars } from '../src/tfvars/render.js';
import { fakeKubeconfig } from './support/action-runner.js';

function inputs(raw: Record<string, string> = {}): ActionInputs {
  const result = parseInputs({ 'git-url': 'https://github.com/wildside/fleet', kubeconfig: fakeKubeconfig(), ...raw });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.inputs;
}

describe('renderFluxObject', () => {
  it('maps every input onto the root configuration’s flux object, with no secret in it', () => {
    const flux = renderFluxObject(
      inputs({
        'git-branch': 'release/1.2',
        'git-path': './clusters/dev',
        'git-secret-name': 'flux-git-auth',
        'flux-namespace': 'gitops',
        'reconcile-interval': '30s',
        'chart-version': '2.18.4',
        'chart-repository': 'oci://registry.example.internal/charts',
        'helm-values': 'logLevel: debug',
        multitenancy: 'true',
      }),
      { kubeconfigPath: '/runner/temp/flux-bootstrap-x/kubeconfig', helmValuesFiles: ['/ws/values.yaml'] },
    );
    expect(flux).toEqual({
      install: true,
      namespace: 'gitops',
      git: {
        url: 'https://github.com/wildside/fleet',
        branch: 'release/1.2',
        path: './clusters/dev',
        secret_name: 'flux-git-auth',
        credentials_revision: null,
        interval: '30s',
        prune: true,
      },
      helm: {
        repository: 'oci://registry.example.internal/charts',
        chart_version: '2.18.4',
        values: { logLevel: 'debug' },
        values_files: ['/ws/values.yaml'],
      },
      cluster: { kubeconfig_path: '/runner/temp/flux-bootstrap-x/kubeconfig', doks_cluster_name: null },
      multitenancy: true,
    });
    expect(renderTfvars(flux)).not.toContain('kube-token');
  });

  it('writes null, not a missing key, for what was not given, so the module defaults apply', () => {
    const flux = renderFluxObject(
      inputs({ kubeconfig: '', 'cluster-name': 'dev-ams3', 'digitalocean-token': 'dop_v1_x' }),
      { helmValuesFiles: [] },
    );
    expect(flux.git.secret_name).toBeNull();
    expect(flux.helm.chart_version).toBeNull();
    expect(flux.helm.repository).toBeNull();
    expect(flux.cluster).toEqual({ kubeconfig_path: null, doks_cluster_name: 'dev-ams3' });
    expect(renderTfvars(flux)).not.toContain('dop_v1_x');
  });

  it('renders JSON tfvars that parse back to the same object', () => {
    const flux = renderFluxObject(inputs({ 'helm-values': '{"a": {"b": "`${x}` \\" %{y}"}}' }), {
      helmValuesFiles: [],
    });
    expect(JSON.parse(renderTfvars(flux))).toEqual({ flux });
  });
});

describe('interpretPlanExitCode', () => {
  it.each([
    [0, { exitCode: 0, hasChanges: false, failed: false }],
    [2, { exitCode: 2, hasChanges: true, failed: false }],
    [1, { exitCode: 1, hasChanges: false, failed: true }],
    [3, { exitCode: 1, hasChanges: false, failed: true }],
    [130, { exitCode: 1, hasChanges: false, failed: true }],
  ])('%i', (code, outcome) => {
    expect(interpretPlanExitCode(code)).toEqual(outcome);
  });
});

describe('tofu diagnostics', () => {
  const ui = [
    '{"@level":"info","@message":"OpenTofu 1.12.6","type":"version"}',
    '{"@level":"error","@message":"Error: bad","type":"diagnostic","diagnostic":{"severity":"error","summary":"bad","detail":"it is bad","range":{"filename":"main.tf","start":{"line":3,"column":5},"end":{"line":4}}}}',
    '{"@level":"warn","@message":"Warning: meh","type":"diagnostic","diagnostic":{"severity":"warning","summary":"meh"}}',
    'panic: not json',
  ].join('\n');

  it('reads plan -json diagnostics with file and line', () => {
    expect(uiDiagnostics(ui)).toEqual([
      { severity: 'error', summary: 'bad', detail: 'it is bad', file: 'main.tf', line: 3, column: 5, endLine: 4 },
      {
        severity: 'warning',
        summary: 'meh',
        detail: undefined,
        file: undefined,
        line: undefined,
        column: undefined,
        endLine: undefined,
      },
    ]);
    expect(describeDiagnostics(uiDiagnostics(ui))).toBe('bad (main.tf:3): it is bad');
  });

  it('echoes readable lines, hiding the version banner and keeping text that is not JSON', () => {
    expect(ui.split('\n').map(readableUiLine)).toEqual([null, 'Error: bad', 'Warning: meh', 'panic: not json']);
  });

  it('passes backend settings as -backend-config arguments, one each, values untouched', () => {
    expect(backendArgs([{ key: 'bucket', value: 'a b=c' }])).toEqual(['-backend-config=bucket=a b=c']);
  });
});

describe('removal without cluster credentials', () => {
  // What `tofu show -json` prints for a state holding the Flux module's release and objects, and for no state.
  const held = JSON.stringify({
    format_version: '1.0',
    values: {
      root_module: {
        resources: [{ address: 'data.digitalocean_kubernetes_cluster.flux[0]', mode: 'data' }],
        child_modules: [
          {
            address: 'module.flux[0]',
            resources: [
              { address: 'module.flux[0].helm_release.flux', mode: 'managed' },
              { address: 'module.flux[0].kubectl_manifest.git_repository', mode: 'managed' },
              { address: 'module.flux[0].kubectl_manifest.kustomization', mode: 'managed' },
              { address: 'module.flux[0].data.x.y', mode: 'data' },
            ],
          },
        ],
      },
    },
  });

  it('reads the managed resources out of the state, data sources left out', () => {
    expect(stateAddresses(held)).toEqual([
      'module.flux[0].helm_release.flux',
      'module.flux[0].kubectl_manifest.git_repository',
      'module.flux[0].kubectl_manifest.kustomization',
    ]);
    expect(stateAddresses('{"format_version":"1.0"}')).toEqual([]);
  });

  it('lets an empty state plan, and names the inputs when the state still holds Flux', () => {
    expect(removalWithoutCluster([])).toBeNull();
    const problem = removalWithoutCluster(stateAddresses(held))!;
    expect(problem).toMatch(/^Input 'install' is false and the state still holds/);
    expect(problem).toContain('module.flux[0].helm_release.flux');
    expect(problem).toContain("Give 'kubeconfig', or 'cluster-name' with 'digitalocean-token'");
  });
});

describe('providerSelections', () => {
  it('reads what init selected from tofu version -json, by short source address', () => {
    const json = JSON.stringify({
      terraform_version: '1.12.6',
      provider_selections: {
        'registry.opentofu.org/hashicorp/helm': '3.2.0',
        'registry.opentofu.org/alekc/kubectl': '2.2.0',
        'example.com/acme/thing': '1.0.0',
      },
    });
    expect(providerSelections(json)).toEqual({
      'hashicorp/helm': '3.2.0',
      'alekc/kubectl': '2.2.0',
      'example.com/acme/thing': '1.0.0',
    });
    expect(providerSelections('not json')).toEqual({});
  });
});

describe('backendBlock', () => {
  it('declares the chosen backend with partial configuration and nothing else', () => {
    expect(backendBlock('pg')).toMatch(/^#.*\nterraform \{\n {2}backend "pg" \{\}\n\}\n$/);
  });
});

describe('conftest JSON', () => {
  const output = JSON.stringify([
    {
      filename: 'flux.tfvars.json',
      namespace: 'flux.tfvars',
      successes: 7,
      failures: [{ msg: 'FLUX003 prune-enabled: off', metadata: { rule_id: 'FLUX003', resource: 'flux.git.prune' } }],
      warnings: [{ msg: '[FLUX008] interval-bounds: slow' }],
    },
    { filename: 'flux.tfvars.json', namespace: 'flux.plan', successes: 3, failures: null, warnings: null },
  ]);

  it('reads failures and warnings with rule ids and subjects', () => {
    const report = parseConftestOutput('tfvars', output);
    expect(report.successes).toBe(10);
    expect(report.failures).toEqual([
      {
        input: 'tfvars',
        ruleId: 'FLUX003',
        message: 'FLUX003 prune-enabled: off',
        namespace: 'flux.tfvars',
        subject: 'flux.git.prune',
      },
    ]);
    expect(report.warnings[0]).toMatchObject({ ruleId: 'FLUX008', namespace: 'flux.tfvars' });
  });

  it('refuses output that is not conftest’s JSON', () => {
    expect(() => parseConftestOutput('plan', 'Error: no policies found')).toThrow();
    expect(() => parseConftestOutput('plan', '{}')).toThrow(/JSON array/);
  });

  it('fails the merged report when any input failed', () => {
    const failing = { input: 'tfvars' as const, report: parseConftestOutput('tfvars', output) };
    const passing = { input: 'plan' as const, report: { failures: [], warnings: [], successes: 4 } };
    expect(mergePolicyReports([passing]).result).toBe('pass');
    expect(mergePolicyReports([failing, passing])).toMatchObject({
      result: 'fail',
      successes: 14,
      inputs: ['tfvars', 'plan'],
    });
  });
});

describe('runFailure', () => {
  const pass = mergePolicyReports([{ input: 'tfvars', report: { failures: [], warnings: [], successes: 1 } }]);
  const fail = mergePolicyReports([
    {
      input: 'plan',
      report: {
        failures: [{ input: 'plan', ruleId: 'FLUX004', message: 'm', namespace: 'flux.plan' }],
        warnings: [],
        successes: 0,
      },
    },
  ]);

  it('is undefined when everything held, and names every reason otherwise', () => {
    expect(runFailure({ policy: pass })).toBeUndefined();
    expect(runFailure({ policy: fail })).toMatch(/Policy failed: 1 failure\(s\) \(FLUX004\)/);
    const all = runFailure({
      planError: 'tofu plan failed',
      policy: fail,
      applyError: 'apply failed',
      healthError: 'not ready',
    });
    expect(all?.split('\n')).toHaveLength(4);
  });
});

describe('commentTarget', () => {
  it('prefers the explicit target, then the DOKS cluster, then the kubeconfig’s API server host', () => {
    const kubeconfig = fakeKubeconfig('https://dev.k8s.example:6443');
    expect(commentTarget('prod', 'modules/root', { kubeconfig })).toBe('prod');
    expect(commentTarget(undefined, 'modules/root', { doksName: 'dev-ams3' })).toBe('modules/root@dev-ams3');
    expect(commentTarget(undefined, 'infra/dev', { kubeconfig })).toBe('infra/dev@dev.k8s.example:6443');
    expect(commentTarget(undefined, 'infra/dev', {})).toBe('infra/dev');
  });

  it('reads the host of the current context’s cluster, never failing on a broken kubeconfig', () => {
    expect(kubeconfigServerHost(fakeKubeconfig('https://10.0.0.1:443'))).toBe('10.0.0.1');
    expect(kubeconfigServerHost('::: not yaml')).toBeUndefined();
  });
});

describe('planComment', () => {
  const context = (eventName: string, pr?: number): RunContext => ({
    eventName,
    ref: 'refs/pull/1/merge',
    sha: 'a',
    headSha: 'a',
    owner: 'o',
    repo: 'r',
    repository: 'o/r',
    pullRequest: pr ? { number: pr } : undefined,
    runUrl: 'https://github.com/o/r/actions/runs/1',
    apiUrl: 'https://api.github.com',
    workspace: '/ws',
  });

  it('comments on pull requests only, when asked, and says why not when it cannot', () => {
    expect(planComment(context('pull_request', 7), true, 'tok')).toEqual({ post: true, issueNumber: 7, token: 'tok' });
    expect(planComment(context('pull_request', 7), false, 'tok')).toEqual({ post: false });
    expect(planComment(context('push'), true, 'tok')).toEqual({ post: false });
    expect(planComment(context('pull_request_target', 7), true, 'tok')).toEqual({ post: false });
    expect(planComment(context('pull_request', 7), true, undefined)).toMatchObject({
      post: false,
      why: expect.stringMatching(/github-token/) as string,
    });
  });
});
