import { describe, expect, it } from 'vitest';
import { parseInputs, type ActionInputs, type InputName, type RawInputs } from '../src/inputs/schema.js';
import { secretFragments } from '../src/inputs/read.js';
import { fakeKubeconfig } from './support/action-runner.js';

const KUBECONFIG = fakeKubeconfig();
const base: RawInputs = { 'git-url': 'https://github.com/wildside/fleet', kubeconfig: KUBECONFIG };

function ok(extra: RawInputs = {}): ActionInputs {
  const result = parseInputs({ ...base, ...extra });
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.inputs;
}

function errorsFor(extra: RawInputs): { input: InputName; message: string }[] {
  const result = parseInputs({ ...base, ...extra });
  if (result.ok) throw new Error(`expected ${JSON.stringify(extra)} to be refused`);
  return result.errors;
}

function refused(input: InputName, value: string, expectedMessage: RegExp): void {
  const errors = errorsFor({ [input]: value });
  expect(errors.map((e) => e.input)).toContain(input);
  const message = errors.find((e) => e.input === input)!.message;
  expect(message).toMatch(new RegExp(`^Input '${input}': `));
  expect(message).toMatch(expectedMessage);
}

describe('defaults', () => {
  it('gives every optional input its documented default', () => {
    const inputs = ok();
    expect(inputs).toMatchObject({
      install: true,
      git: { url: 'https://github.com/wildside/fleet', branch: 'main', path: './', secretName: undefined },
      fluxNamespace: 'flux-system',
      reconcileInterval: '1m',
      prune: true,
      chartVersion: undefined,
      helmValues: {},
      helmValuesFiles: [],
      workingDirectory: undefined,
      backendConfig: [],
      policyPath: undefined,
      policyData: [],
      multitenancy: false,
      tofuVersion: undefined,
      conftestVersion: undefined,
      acceptApply: false,
      requireReviewedPlan: true,
      allowLocalState: false,
      healthTimeoutSeconds: 300,
      comment: true,
    });
  });
});

describe.each<{
  input: InputName;
  valid: [string, unknown][];
  invalid: [string, RegExp][];
  read: (i: ActionInputs) => unknown;
}>([
  {
    input: 'git-url',
    read: (i) => i.git.url,
    valid: [
      ['https://github.com/wildside/fleet.git', 'https://github.com/wildside/fleet.git'],
      ['ssh://git@github.com/wildside/fleet', 'ssh://git@github.com/wildside/fleet'],
      ['ssh://git@git.example:2222/wildside/fleet.git', 'ssh://git@git.example:2222/wildside/fleet.git'],
      ['https://dev.azure.com/acme/infra/_git/fleet', 'https://dev.azure.com/acme/infra/_git/fleet'],
      ['https://git.example/~ops/fleet%20repo.git', 'https://git.example/~ops/fleet%20repo.git'],
    ],
    invalid: [
      [
        'git@github.com:wildside/fleet.git',
        /"git@github.com:wildside\/fleet.git".*ssh:\/\/git@github.com\/wildside\/fleet.git/,
      ],
      ['http://github.com/wildside/fleet', /scheme http:\/\/ is not accepted; expected https:\/\/ or ssh:\/\//],
      ['file:///srv/git/fleet', /scheme file:\/\//],
      ['not a url', /expected an https:\/\/ or ssh:\/\/ URL/],
      ['https://user:hunter2@github.com/wildside/fleet', /^(?!.*hunter2).*credentials do not belong in the URL/],
      // Parsed as a URL, and only the characters Git and Flux take: no whitespace, quotes or shell characters.
      ['https://github.com/wildside/fleet repo', /a space \(" "\) is not accepted in a Git URL/],
      ['https://github.com/wildside/"fleet"', /a double quote \('"'\) is not accepted in a Git URL/],
      ["https://github.com/wildside/'fleet'", /a single quote \("'"\) is not accepted in a Git URL/],
      ['https://github.com/wildside/fleet;touch${IFS}x', /";" is not accepted in a Git URL/],
      ['https://github.com/wildside/$(id)', /"\$" is not accepted in a Git URL/],
      ['https://github.com/wildside/`id`', /"`" is not accepted in a Git URL/],
      ['https://github.com/wildside/fleet|sh', /"\|" is not accepted in a Git URL/],
      ['https://github.com/wildside/fleet\tx', /a tab is not accepted in a Git URL/],
      ['https://github.com/wildside/fleet%zz', /"%" starts no escape/],
      ['https://github.com/wildside/fleet?ref=main', /without query or fragment/],
      ['https://github.com/wildside/fleet#main', /"#" is not accepted in a Git URL/],
      ['https://github.com', /expected the repository's path after the host/],
      ['https://github.com/', /expected the repository's path after the host/],
      ['https://gith ub.com/wildside/fleet', /expected an https:\/\/ or ssh:\/\/ URL/],
      ['https://github.com:99999/wildside/fleet', /expected an https:\/\/ or ssh:\/\/ URL/],
    ],
  },
  {
    input: 'git-branch',
    read: (i) => i.git.branch,
    valid: [
      ['release/1.2', 'release/1.2'],
      ['', 'main'],
    ],
    invalid: [
      ['feature..x', /valid Git branch name/],
      ['has space', /valid Git branch name/],
      ['-leading', /valid Git branch name/],
      ['ends.lock', /valid Git branch name/],
    ],
  },
  {
    input: 'git-path',
    read: (i) => i.git.path,
    valid: [
      ['./clusters/dev', './clusters/dev'],
      ['clusters/dev', 'clusters/dev'],
      ['', './'],
    ],
    invalid: [
      ['/clusters/dev', /relative to the repository root/],
      ['./clusters/../../etc', /"\.\." segment/],
      ['..', /"\.\." segment/],
    ],
  },
  {
    input: 'git-secret-name',
    read: (i) => i.git.secretName,
    valid: [
      ['flux-git-auth', 'flux-git-auth'],
      ['', undefined],
    ],
    invalid: [['Flux_Auth', /Kubernetes object name/]],
  },
  {
    input: 'flux-namespace',
    read: (i) => i.fluxNamespace,
    valid: [
      ['gitops', 'gitops'],
      ['', 'flux-system'],
    ],
    invalid: [
      ['Flux', /DNS label/],
      ['a'.repeat(64), /DNS label/],
      ['flux.system', /DNS label/],
    ],
  },
  {
    input: 'reconcile-interval',
    read: (i) => i.reconcileInterval,
    valid: [
      ['30s', '30s'],
      ['15m', '15m'],
      ['', '1m'],
    ],
    invalid: [
      ['1h', /seconds or minutes/],
      ['0s', /greater than zero/],
      ['1m30s', /no compound durations/],
      ['10', /seconds or minutes/],
    ],
  },
  {
    input: 'prune',
    read: (i) => i.prune,
    valid: [
      ['TRUE', true],
      ['', true],
    ],
    invalid: [
      ['maybe', /"maybe" is not accepted: expected true or false/],
      ['false', /pruning must stay enabled/],
    ],
  },
  {
    input: 'install',
    read: (i) => i.install,
    valid: [
      ['False', false],
      ['true', true],
      ['', true],
    ],
    invalid: [['yes', /expected true or false/]],
  },
  {
    input: 'chart-version',
    read: (i) => i.chartVersion,
    valid: [
      ['2.18.0', '2.18.0'],
      ['', undefined],
    ],
    invalid: [
      ['2.x', /exact chart version/],
      ['latest', /exact chart version/],
    ],
  },
  {
    input: 'helm-values',
    read: (i) => i.helmValues,
    valid: [
      ['logLevel: debug\nsourceController:\n  create: true', { logLevel: 'debug', sourceController: { create: true } }],
      ['{"logLevel": "info"}', { logLevel: 'info' }],
      ['', {}],
    ],
    invalid: [
      ['- a\n- b', /YAML or JSON mapping/],
      ['just text', /YAML or JSON mapping/],
      ['a: [unclosed', /YAML or JSON mapping/],
    ],
  },
  {
    input: 'helm-values-files',
    read: (i) => i.helmValuesFiles,
    valid: [
      ['values/flux.yaml\n\n# comment\nvalues/extra.yaml\n', ['values/flux.yaml', 'values/extra.yaml']],
      ['', []],
    ],
    invalid: [
      ['/etc/passwd', /relative to the workspace/],
      ['values/../../secret.yaml', /leave the workspace/],
    ],
  },
  {
    input: 'backend-config',
    read: (i) => i.backendConfig,
    valid: [
      [
        'bucket=tf-state\nkey = clusters/dev.tfstate\nendpoints={s3="https://ams3.digitaloceanspaces.com"}',
        [
          { key: 'bucket', value: 'tf-state' },
          { key: 'key', value: 'clusters/dev.tfstate' },
          { key: 'endpoints', value: '{s3="https://ams3.digitaloceanspaces.com"}' },
        ],
      ],
      ['', []],
    ],
    invalid: [
      ['bucket', /line "bucket": expected key=value/],
      ['=value', /expected key=value/],
      ['bad key=1', /key of letters/],
    ],
  },
  {
    input: 'tofu-version',
    read: (i) => i.tofuVersion,
    valid: [
      ['1.10.6', { kind: 'exact', version: '1.10.6' }],
      ['v1.10.6', { kind: 'exact', version: '1.10.6' }],
      ['~> 1.10', { kind: 'range', range: '>=1.10.0 <2.0.0-0', asked: '~> 1.10' }],
      ['~> 1.10.2', { kind: 'range', range: '>=1.10.2 <1.11.0-0', asked: '~> 1.10.2' }],
      ['>= 1.8, < 2.0', { kind: 'range', range: '>=1.8.0 <2.0.0', asked: '>= 1.8, < 2.0' }],
      ['1.10.x', { kind: 'range', range: '>=1.10.0 <1.11.0-0', asked: '1.10.x' }],
      ['latest', { kind: 'latest' }],
      ['', undefined],
    ],
    invalid: [
      ['newest', /exact version \(1.10.6\), a range/],
      ['!= 1.2.0', /exact version/],
    ],
  },
  {
    input: 'conftest-version',
    read: (i) => i.conftestVersion,
    valid: [
      ['0.71.1', { kind: 'exact', version: '0.71.1' }],
      ['latest', { kind: 'latest' }],
    ],
    invalid: [['banana', /exact version \(0.71.1\)/]],
  },
  {
    input: 'tool-mirror-url',
    read: (i) => i.toolMirrorUrl,
    valid: [
      ['https://mirror.example.com/releases', 'https://mirror.example.com/releases'],
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ],
    invalid: [
      ['http://mirror.example.com', /http:\/\/ only on loopback/],
      ['ftp://mirror', /https:\/\//],
      [
        'https://user:pass@mirror.example.com',
        /"https:\/\/user:\*\*\*@mirror.example.com" .*credentials do not belong/,
      ],
    ],
  },
  {
    input: 'target',
    read: (i) => i.target,
    valid: [
      ['clusters/dev', 'clusters/dev'],
      ['', undefined],
    ],
    invalid: [['two words', /at most 100 letters/]],
  },
  {
    input: 'accept-apply',
    read: (i) => i.acceptApply,
    valid: [
      ['true', true],
      ['FALSE', false],
      ['', false],
    ],
    invalid: [
      ['1', /expected true or false/],
      ['yes', /expected true or false/],
    ],
  },
  {
    input: 'require-reviewed-plan',
    read: (i) => i.requireReviewedPlan,
    valid: [
      ['false', false],
      ['', true],
    ],
    invalid: [['no', /expected true or false/]],
  },
  {
    input: 'allow-local-state',
    read: (i) => i.allowLocalState,
    valid: [
      ['true', true],
      ['', false],
    ],
    invalid: [['on', /expected true or false/]],
  },
  {
    input: 'health-timeout',
    read: (i) => i.healthTimeoutSeconds,
    valid: [
      ['90s', 90],
      ['10m', 600],
      ['', 300],
    ],
    invalid: [
      ['2h', /up to 60m/],
      ['61m', /up to 60m/],
      ['0s', /up to 60m/],
    ],
  },
  {
    input: 'comment',
    read: (i) => i.comment,
    valid: [
      ['false', false],
      ['', true],
    ],
    invalid: [['nope', /expected true or false/]],
  },
  {
    input: 'working-directory',
    read: (i) => i.workingDirectory,
    valid: [
      ['infra/clusters/dev', 'infra/clusters/dev'],
      ['', undefined],
    ],
    invalid: [],
  },
  {
    input: 'policy-data',
    read: (i) => i.policyData,
    valid: [
      ['strict', ['strict']],
      ['policy/data/mine.yaml\nadvisory', ['policy/data/mine.yaml', 'advisory']],
      ['', []],
    ],
    invalid: [
      ['/etc/flux-policy.yaml', /relative to the workspace, or one of advisory, strict/],
      ['../outside.yaml', /leave the workspace/],
    ],
  },
  {
    input: 'multitenancy',
    read: (i) => i.multitenancy,
    valid: [
      ['true', true],
      ['', false],
    ],
    invalid: [['enabled', /expected true or false/]],
  },
  {
    input: 'chart-repository',
    read: (i) => i.chartRepository,
    valid: [
      ['https://charts.example.internal/flux', 'https://charts.example.internal/flux'],
      ['oci://ghcr.io/fluxcd-community/charts', 'oci://ghcr.io/fluxcd-community/charts'],
      ['', undefined],
    ],
    invalid: [
      ['http://charts.example.internal/flux', /scheme http:\/\/ is not accepted; expected https:\/\/ .* or oci:\/\//],
      ['oci://robot:s3cret@registry.example.internal/charts', /credentials do not belong in the URL/],
      ['charts.example.internal', /expected an https:\/\/ Helm repository or an oci:\/\/ registry path/],
      ['https://charts.example.internal/flux?token=x', /without query/],
    ],
  },
  {
    input: 'backend',
    read: (i) => i.backend,
    valid: [
      ['', 's3'],
      ['gcs', 'gcs'],
      ['pg', 'pg'],
      ['kubernetes', 'kubernetes'],
    ],
    invalid: [['postgres', /"postgres" is not accepted: expected one of s3, gcs, azurerm, pg, http, kubernetes/]],
  },
  {
    input: 'policy-path',
    read: (i) => i.policyPath,
    valid: [
      ['policy', 'policy'],
      ['', undefined],
    ],
    invalid: [],
  },
])('input $input', ({ input, valid, invalid, read }) => {
  it.each(valid)('accepts %j', (value, expected) => {
    expect(read(ok({ [input]: value }))).toEqual(expected);
  });
  it.each(invalid)('refuses %j with a message naming the input and what is accepted', (value, message) => {
    refused(input, value, message);
  });
});

describe('cluster sources', () => {
  const doks = { kubeconfig: '', 'cluster-name': 'dev-ams3', 'digitalocean-token': 'dop_v1_secret_token_value' };

  it('accepts a kubeconfig alone, or a DOKS cluster name with a token', () => {
    expect(ok().kubeconfig).toBe(KUBECONFIG);
    expect(ok(doks)).toMatchObject({
      clusterName: 'dev-ams3',
      digitaloceanToken: 'dop_v1_secret_token_value',
      kubeconfig: undefined,
    });
  });

  it('refuses installing with no cluster source', () => {
    const errors = errorsFor({ kubeconfig: '' });
    expect(errors).toEqual([
      { input: 'kubeconfig', message: expect.stringMatching(/\(empty\).*needs a cluster/) as string },
    ]);
  });

  it('refuses both sources at once without showing the kubeconfig', () => {
    const errors = errorsFor({ ...doks, kubeconfig: KUBECONFIG });
    expect(errors.map((e) => e.input)).toEqual(['kubeconfig']);
    expect(errors[0]!.message).toMatch(/\(value hidden\).*not both/);
    expect(errors[0]!.message).not.toContain('kube-token');
  });

  it('refuses a cluster name without a token and a token without a cluster name, hiding the token', () => {
    expect(errorsFor({ ...doks, 'digitalocean-token': '' }).map((e) => e.input)).toEqual(['cluster-name']);
    const tokenOnly = errorsFor({ ...doks, 'cluster-name': '' });
    expect(tokenOnly.map((e) => e.input)).toEqual(['digitalocean-token']);
    expect(tokenOnly[0]!.message).not.toContain('dop_v1');
  });

  it('refuses a cluster name that is not a DNS label', () => {
    refused('cluster-name', 'Dev_Cluster', /DNS label/);
  });

  it('refuses a kubeconfig that is not one, without echoing it', () => {
    const errors = errorsFor({ kubeconfig: 'token: abc-very-secret' });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(
      /^Input 'kubeconfig': \(value hidden\) is not accepted: expected the contents of a kubeconfig/,
    );
    expect(errors[0]!.message).not.toContain('abc-very-secret');
  });
});

describe('backend', () => {
  it('refuses local state unless allow-local-state says so', () => {
    refused('backend', 'local', /local state needs 'allow-local-state: true'/);
    expect(ok({ backend: 'local', 'allow-local-state': 'true' }).backend).toBe('local');
  });

  it('belongs to the shipped root: refused with a working-directory of your own, which keeps its own block', () => {
    const [error] = errorsFor({ backend: 'gcs', 'working-directory': 'infra/flux' });
    expect(error).toMatchObject({ input: 'backend' });
    expect(error!.message).toMatch(
      /^Input 'backend': "gcs" .*a working-directory of your own declares its own backend/,
    );
    expect(ok({ 'working-directory': 'infra/flux' }).backend).toBeUndefined();
  });

  it('never repeats a password in a chart repository URL', () => {
    const message = errorsFor({ 'chart-repository': 'https://robot:s3cret@charts.example.internal/flux' })[0]!.message;
    expect(message).not.toContain('s3cret');
  });
});

describe('install: false', () => {
  it('needs no git-url', () => {
    expect(ok({ install: 'false', 'git-url': '' }).install).toBe(false);
  });
});

describe('several bad inputs', () => {
  it('reports each once, and still checks cross-input rules for the valid ones', () => {
    const errors = errorsFor({ prune: 'maybe', 'reconcile-interval': '2h', 'git-url': '' });
    expect(errors.map((e) => e.input).sort()).toEqual(['git-url', 'prune', 'reconcile-interval']);
  });

  it('does not report a missing git-url when the given one is invalid', () => {
    const errors = errorsFor({ 'git-url': 'git@github.com:a/b' });
    expect(errors.map((e) => e.input)).toEqual(['git-url']);
  });
});

describe('secretFragments', () => {
  it('masks a kubeconfig whole and each credential in it', () => {
    const fragments = secretFragments('kubeconfig', KUBECONFIG);
    expect(fragments).toContain(KUBECONFIG);
    expect(fragments).toContain('kube-token-s3cr3t-0123456789');
    expect(fragments).not.toContain('apiVersion: v1');
  });

  it('masks each line of a multi-line token', () => {
    expect(secretFragments('github-token', 'ghs_abc\nghs_def\n')).toEqual(
      expect.arrayContaining(['ghs_abc', 'ghs_def']),
    );
  });
});
