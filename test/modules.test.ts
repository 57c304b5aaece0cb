// The OpenTofu code in modules/, checked with the real tofu: fmt, validate, every `tofu test` suite, the refusal
// messages, and the READMEs. Providers come from the test mirror (FLUX_TOFURC, scripts/test-providers.sh): the real
// hashicorp/helm and alekc/kubectl, and the DigitalOcean stand-in from test/providers (its own tests are in
// test/provider-mirror.test.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocks, renderDocs, updatedReadme } from '../modules/readme-tables.mjs';
import { repoRoot } from './support/action-runner.js';
import { tools } from './support/tools.js';

const modulesDir = path.join(repoRoot, 'modules');
const configs = ['fluxcd', 'root'] as const;

interface Diagnostic {
  severity: string;
  summary: string;
  detail?: string;
}

let work: string;
/** A copy of modules/ per purpose, so the repository tree gets no .terraform or lock files. */
const dirs = { fluxcd: '', root: '', rootLocal: '' };

function tofu(args: string[], cwd: string) {
  const tofurc = tools.tofurc;
  if (!tofurc) throw new Error('FLUX_TOFURC is not set: scripts/test-tools.sh builds the provider mirror');
  const env = { ...process.env, TF_CLI_CONFIG_FILE: tofurc, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  const run = spawnSync(tools.tofu, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

function copyModules(name: string): string {
  const dest = path.join(work, name);
  cpSync(modulesDir, dest, {
    recursive: true,
    filter: (src) => !/(\.terraform|\.terraform\.lock\.hcl|_override\.tf|\.tfstate(\.backup)?)$/.test(src),
  });
  return dest;
}

function init(dir: string, ...extra: string[]): void {
  const run = tofu(['init', '-input=false', '-no-color', ...extra], dir);
  if (run.code !== 0) throw new Error(`tofu init in ${dir} failed:\n${run.stdout}${run.stderr}`);
}

/** The diagnostics of a `-json` command, one JSON object per line. */
function diagnostics(stdout: string): Diagnostic[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type: string; diagnostic?: Diagnostic })
    .flatMap((msg) => (msg.type === 'diagnostic' && msg.diagnostic ? [msg.diagnostic] : []));
}

/** Validation messages of a plan with these variables (a tfvars.json file), without tofu's location suffix. */
function refusals(dir: string, vars: object): string[] {
  const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.tfvars.json`);
  writeFileSync(file, JSON.stringify(vars));
  const run = tofu(['plan', '-input=false', '-json', '-lock=false', `-var-file=${file}`], dir);
  expect(run.code, 'a plan with invalid variables must fail').toBe(1);
  return diagnostics(run.stdout)
    .filter((d) => d.summary === 'Invalid value for variable')
    .map((d) => (d.detail ?? '').split('\n\nThis was checked by')[0]!.replace(/\s+/g, ' '));
}

const runBlocks = (dir: string) =>
  readdirSync(path.join(dir, 'tests'))
    .filter((f) => f.endsWith('.tftest.hcl'))
    .flatMap((f) => readFileSync(path.join(dir, 'tests', f), 'utf8').match(/^run "[^"]+"/gm) ?? []);

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'flux-modules-'));
  dirs.fluxcd = path.join(copyModules('fluxcd'), 'fluxcd');
  dirs.root = path.join(copyModules('root'), 'root');
  // The documented way to run the root with local state: an override file beside backend.tf.
  dirs.rootLocal = path.join(copyModules('root-local'), 'root');
  writeFileSync(path.join(dirs.rootLocal, 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
  init(dirs.fluxcd, '-backend=false');
  init(dirs.root, '-backend=false');
  init(dirs.rootLocal);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('modules/ with the real tofu', () => {
  it('tofu fmt -check -recursive finds nothing to reformat', () => {
    const run = tofu(['fmt', '-check', '-recursive', '-list=true', '-no-color', modulesDir], repoRoot);
    expect(run.stdout).toBe('');
    expect(run.code).toBe(0);
  });

  it.each(configs)('%s: tofu validate reports no error and no warning', (config) => {
    const run = tofu(['validate', '-json', '-no-color'], dirs[config]);
    const result = JSON.parse(run.stdout) as { valid: boolean; error_count: number; warning_count: number };
    expect(result).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
    expect(run.code).toBe(0);
  });

  it.each(configs)('%s: every run of every tofu test suite passes', (config) => {
    const run = tofu(['test', '-json', '-no-color'], dirs[config]);
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('{'));
    const messages = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const runs = messages.flatMap((m) =>
      m.type === 'test_run' ? [m.test_run as { run: string; status: string }] : [],
    );
    const summary = messages.find((m) => m.type === 'test_summary')?.test_summary as Record<string, unknown>;
    const declared = runBlocks(dirs[config]);
    expect(
      runs.filter((r) => r.status !== 'pass'),
      run.stdout.slice(-4000),
    ).toEqual([]);
    expect(runs).toHaveLength(declared.length);
    expect(summary).toMatchObject({ status: 'pass', passed: declared.length, failed: 0, errored: 0, skipped: 0 });
    expect(run.code).toBe(0);
  });

  it('the Flux module refuses bad values saying what was given and what is accepted', () => {
    const git_url = 'https://github.com/acme/fleet';
    const messages = [
      ...refusals(dirs.fluxcd, {
        git_url: 'git@github.com:acme/fleet.git',
        git_interval: '1h',
        prune: false,
        git_path: '../fleet',
        git_branch: 'feature..x',
        namespace: 'Flux',
        chart_version: '~> 2.18',
        git_secret_name: 'Deploy_Key',
        kustomization_deletion_policy: 'Keep',
      }),
      ...refusals(dirs.fluxcd, { git_url: 'http://github.com/acme/fleet', helm_values_files: ['missing.yaml'] }),
      ...refusals(dirs.fluxcd, { git_url: 'https://bot:s3cr3t@github.com/acme/fleet', helm_values: ['x'] }),
      ...refusals(dirs.fluxcd, { git_url, helm_values_files: ['tests/fixtures/values-list.yaml'] }),
    ];
    const expected = [
      'git_url "git@github.com:acme/fleet.git" uses the scp form, which Flux does not accept; write it as ssh://git@github.com/acme/fleet.git.',
      'git_interval "1h" is not accepted: expected whole seconds or minutes greater than zero, such as 30s, 1m or 15m',
      'prune = false is not accepted: pruning must stay enabled',
      'git_path "../fleet" is not accepted: expected a path relative to the repository root',
      'git_branch "feature..x" is not accepted: expected a valid Git branch name',
      'namespace "Flux" is not accepted: expected a DNS label',
      'chart_version "~> 2.18" is not accepted: expected an exact chart version such as 2.18.4',
      'git_secret_name "Deploy_Key" is not accepted: expected a Kubernetes object name',
      'kustomization_deletion_policy "Keep" is not accepted: expected one of Orphan, MirrorPrune, Delete, WaitForTermination.',
      'git_url "http://github.com/acme/fleet" is not accepted: expected an https:// or ssh:// URL with a host',
      'helm_values_files: no readable file at ["missing.yaml"]; expected paths of existing YAML files.',
      'git_url is not accepted: it carries a password; put credentials in the Secret named by git_secret_name instead.',
      'helm_values is not accepted: expected a map of chart values',
      'helm_values_files: ["tests/fixtures/values-list.yaml"] is not a YAML mapping of chart values',
    ];
    for (const text of expected)
      expect(
        messages.some((m) => m.startsWith(text)),
        text,
      ).toBe(true);
    expect(messages).toHaveLength(expected.length);
    // The password itself never appears in a message.
    expect(messages.join('\n')).not.toContain('s3cr3t');
  });

  it('the root refuses a bad flux object under the names the caller wrote', () => {
    // tofu reports only the first broken rule of a variable, so each case breaks one.
    const kubeconfig = path.join(dirs.rootLocal, 'tests', 'fixtures', 'kubeconfig');
    const url = 'https://github.com/acme/fleet';
    const flux = (git: object, rest: object = {}) => ({
      flux: { git: { url, ...git }, cluster: { kubeconfig_path: kubeconfig }, ...rest },
    });
    const cases: [object, string][] = [
      [{ flux: { cluster: { kubeconfig_path: kubeconfig } } }, 'flux.git.url is required when flux.install is true'],
      [
        { flux: { git: { url } } },
        'flux.cluster: installing Flux needs a cluster; give kubeconfig_path (a kubeconfig file) or doks_cluster_name',
      ],
      [
        { flux: { git: { url }, cluster: { kubeconfig_path: '/nonexistent/kubeconfig', doks_cluster_name: 'dev' } } },
        'flux.cluster: both kubeconfig_path ("/nonexistent/kubeconfig") and doks_cluster_name ("dev") are given; give exactly one',
      ],
      [
        { flux: { git: { url }, cluster: { kubeconfig_path: '/nonexistent/kubeconfig' } } },
        'flux.cluster.kubeconfig_path: no readable file at "/nonexistent/kubeconfig"',
      ],
      [{ flux: { git: { url }, cluster: { doks_cluster_name: '' } } }, 'flux.cluster.doks_cluster_name is empty'],
      [flux({}, { namespace: 'Flux' }), 'flux.namespace "Flux" is not accepted: expected a DNS label'],
      [
        flux({ url: 'git@github.com:acme/fleet.git' }),
        'flux.git.url "git@github.com:acme/fleet.git" uses the scp form, which Flux does not accept; write it as ssh://git@github.com/acme/fleet.git.',
      ],
      [
        flux({ url: 'ftp://github.com/acme/fleet' }),
        'flux.git.url "ftp://github.com/acme/fleet" is not accepted: expected an https:// or ssh:// URL',
      ],
      [flux({ url: 'https://u:p4ss@github.com/acme/fleet' }), 'flux.git.url is not accepted: it carries a password'],
      [flux({ branch: 'a b' }), 'flux.git.branch "a b" is not accepted: expected a valid Git branch name'],
      [
        flux({ path: '/fleet' }),
        'flux.git.path "/fleet" is not accepted: expected a path relative to the repository root',
      ],
      [flux({ secret_name: 'Key' }), 'flux.git.secret_name "Key" is not accepted: expected a Kubernetes object name'],
      [
        flux({ interval: '0s' }),
        'flux.git.interval "0s" is not accepted: expected whole seconds or minutes greater than zero',
      ],
      [flux({ prune: false }), 'flux.git.prune = false is not accepted: pruning must stay enabled'],
      [
        flux({}, { helm: { chart_version: 'v2.18.4' } }),
        'flux.helm.chart_version "v2.18.4" is not accepted: expected an exact chart version',
      ],
      [
        flux({}, { helm: { values: 'logLevel: debug' } }),
        'flux.helm.values is not accepted: expected a mapping of chart values',
      ],
      [
        flux({}, { helm: { values_files: ['/nonexistent/values.yaml'] } }),
        'flux.helm.values_files: no readable file at ["/nonexistent/values.yaml"]',
      ],
    ];
    for (const [vars, expected] of cases) {
      const messages = refusals(dirs.rootLocal, vars);
      expect(messages, JSON.stringify(vars)).toHaveLength(1);
      expect(messages[0], 'a password in the URL is never echoed').not.toContain('p4ss');
      expect(messages[0], JSON.stringify(vars)).toMatch(
        new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
      );
    }
  });

  it('runs on the real helm, kubectl and kubernetes providers, and the DigitalOcean stand-in', () => {
    // What `tofu init` selected from the mirror for the root (which requires all four providers).
    const run = tofu(['version', '-json'], dirs.rootLocal);
    const selections = (JSON.parse(run.stdout) as { provider_selections: Record<string, string> }).provider_selections;
    expect(selections).toEqual({
      'registry.opentofu.org/hashicorp/helm': '3.2.0',
      'registry.opentofu.org/alekc/kubectl': '2.2.0',
      'registry.opentofu.org/hashicorp/kubernetes': '3.2.1',
      'registry.opentofu.org/digitalocean/digitalocean': '2.68.0',
    });
    // The real schemas, not a copy of the parts the modules use: helm_template and kubectl's document data
    // sources were never in the stand-ins.
    const schema = tofu(['providers', 'schema', '-json'], dirs.rootLocal);
    const served = (JSON.parse(schema.stdout) as { provider_schemas: Record<string, { data_source_schemas?: object }> })
      .provider_schemas;
    expect(Object.keys(served['registry.opentofu.org/hashicorp/helm']?.data_source_schemas ?? {})).toContain(
      'helm_template',
    );
    expect(Object.keys(served['registry.opentofu.org/alekc/kubectl']?.data_source_schemas ?? {})).toEqual(
      expect.arrayContaining(['kubectl_file_documents', 'kubectl_path_documents', 'kubectl_server_version']),
    );
    // The write-only attribute the Git credentials go through, as the real provider declares it.
    const secret = (
      served['registry.opentofu.org/hashicorp/kubernetes'] as unknown as {
        resource_schemas: Record<string, { block: { attributes: Record<string, { write_only?: boolean }> } }>;
      }
    ).resource_schemas.kubernetes_secret_v1?.block.attributes;
    expect(secret?.data_wo?.write_only).toBe(true);
  });

  it('the DigitalOcean stand-in serves exactly the schema it declares', () => {
    const run = tofu(['providers', 'schema', '-json'], dirs.rootLocal);
    const served = (JSON.parse(run.stdout) as { provider_schemas: Record<string, Record<string, unknown>> })
      .provider_schemas;
    const strip = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(strip)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([k]) => k !== 'description_kind')
                .map(([k, v]) => [k, strip(v)]),
            )
          : value;
    const declared = readdirSync(path.join(repoRoot, 'test', 'providers', 'schemas'));
    expect(declared).toEqual(['digitalocean.json']);
    for (const file of declared) {
      const standIn = JSON.parse(readFileSync(path.join(repoRoot, 'test', 'providers', 'schemas', file), 'utf8')) as {
        source: string;
        provider_schema: Record<string, unknown>;
      };
      const got = strip(served[`registry.opentofu.org/${standIn.source}`]) as Record<string, unknown>;
      for (const part of ['provider', 'resource_schemas', 'data_source_schemas']) {
        expect(got[part] ?? {}, `${standIn.source} ${part}`).toEqual(standIn.provider_schema[part]);
      }
    }
  });
});

describe.each(configs)('modules/%s/README.md', (config) => {
  const dir = path.join(modulesDir, config);
  const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  const generated = readme.slice(readme.indexOf('<!-- BEGIN_TF_DOCS -->'), readme.indexOf('<!-- END_TF_DOCS -->'));

  it('carries the tables generated from the .tf files (node modules/readme-tables.mjs)', () => {
    expect(updatedReadme(readme, renderDocs(dir))).toBe(readme);
  });

  it('shows only HCL that tofu can read: every hcl example is a configuration tofu fmt accepts', () => {
    // The generated tables' type expressions are not configurations; the examples around them are.
    const examples = readme.replace(generated, '');
    const hcl = [...examples.matchAll(/^```hcl\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    for (const snippet of hcl) {
      const run = spawnSync(tools.tofu, ['fmt', '-check', '-'], { input: snippet, encoding: 'utf8' });
      expect(run.stderr, snippet).not.toContain('Error');
      expect([0, 3], snippet).toContain(run.status);
    }
  });

  it('lists every variable with type, default and description, and every output with a description', () => {
    const tf = readdirSync(dir)
      .filter((f) => f.endsWith('.tf'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    const variables = [...tf.matchAll(/^variable "([^"]+)"/gm)].map((m) => m[1]!);
    const outputs = [...tf.matchAll(/^output "([^"]+)"/gm)].map((m) => m[1]!);
    expect(blocks(dir, 'variable').map((v) => v.name)).toEqual(variables);
    for (const name of variables) {
      const row = generated.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      const cells =
        row
          ?.split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((c) => c.trim()) ?? [];
      expect(cells, `row for variable ${name}`).toHaveLength(4);
      expect(
        cells.every((c) => c.length > 0),
        `type, default and description of ${name}`,
      ).toBe(true);
    }
    for (const name of outputs) {
      const row = generated.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(
        row
          ?.split(/(?<!\\)\|/)
          .slice(1, -1)[1]
          ?.trim(),
        `description of output ${name}`,
      ).toBeTruthy();
    }
  });
});
