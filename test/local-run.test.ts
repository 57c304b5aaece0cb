// `node scripts/local-run.mjs`: the bundle on the user's own inputs, with tofu and conftest from their releases or
// served from the loopback mirror, printing the job summary and outputs without ever applying. And what a local
// run owes the terminal that the runner would otherwise take care of: no secret in clear (the runner swallows
// `::add-mask::` lines, a terminal does not), no input silently ignored, a clear message for a broken inputs file.
// (`npm run local`, the shipped root on a local control plane, is test/local-cluster-run.test.ts.)
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_INPUTS } from '../src/inputs/schema.js';
import { closestInput, localSecretInputs, maskingFilter } from '../scripts/local-run.mjs';
import { fakeKubeconfig, node24, repoRoot } from './support/action-runner.js';
import { fixtureRoots } from './support/pipeline.js';

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
const TOKEN = 'kube-token-local-s3cr3t-0123456789';

interface LocalRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the run left in its temporary directory (TMPDIR): nothing, once it is done. */
  leftInTmp: string[];
}

/** Runs scripts/local-run.mjs in a fresh workspace holding `files` and a root in ./config, with its own TMPDIR. */
function localRun(files: Record<string, string>, args: string[]): Promise<LocalRun> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'flux-local-'));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'flux-local-tmp-'));
  cpSync(path.join(fixtureRoots, 'changes'), path.join(workspace, 'config'), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(workspace, name), content);
  return new Promise((resolve) => {
    execFile(
      node24,
      [path.join(repoRoot, 'scripts', 'local-run.mjs'), ...args],
      {
        cwd: workspace,
        env: {
          ...process.env,
          GITHUB_WORKSPACE: workspace,
          RUNNER_TOOL_CACHE: path.join(workspace, 'tool-cache'),
          TMPDIR: tmp,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr, leftInTmp: readdirSync(tmp) });
      },
    );
  });
}

describe('local-run.mjs --tools local-mirror', () => {
  it('plans your inputs for real, prints the summary and the outputs, and refuses to apply', async () => {
    const inputs = [
      'git-url: https://github.com/wildside/fleet-infra',
      'git-path: ./clusters/dev',
      'working-directory: config',
      "kubeconfig: '@file:kubeconfig.yaml'",
      "comment: 'false'",
    ].join('\n');
    const run = await localRun(
      { 'inputs.yml': inputs, 'kubeconfig.yaml': fakeKubeconfig('https://127.0.0.1:6443', TOKEN) },
      ['--inputs', 'inputs.yml', '--tools', 'local-mirror'],
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('===== job summary =====');
    expect(run.stdout).toMatch(/^plan-exitcode: 2$/m);
    expect(run.stdout).toMatch(/^policy-result: pass$/m);
    expect(run.stdout).toMatch(/^applied: false$/m);
    expect(run.stdout).toMatch(/^apply-skipped-reason: The event is 'local'/m);
    // The kubeconfig's token is masked: nowhere on the terminal, not even in the `::add-mask::` lines that the
    // runner would have swallowed.
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(run.stdout + run.stderr).not.toContain('::add-mask::');
    // No run link to a run that does not exist.
    expect(run.stdout).not.toContain('/actions/runs/NaN');
    // Everything the run wrote (the kubeconfig's copy included) went with its temporary directory; only the
    // loopback mirror's cache of release archives (public binaries, test/support/release-mirror.ts) stays.
    expect(run.leftInTmp.filter((name) => name !== 'flux-bootstrap-release-mirror')).toEqual([]);
  });
});

describe('a local run', () => {
  it('never prints a secret, not even when the action registers it with ::add-mask::', async () => {
    const inputs = [
      'git-url: https://github.com/wildside/fleet',
      'git-branch: "bad branch"', // stops the action after its inputs were read, and their secrets masked
      "kubeconfig: '@file:kubeconfig.yaml'",
      'digitalocean-token: dop_v1_local-secret-token-value',
    ].join('\n');
    const run = await localRun(
      { 'inputs.yml': inputs, 'kubeconfig.yaml': fakeKubeconfig('https://127.0.0.1:6443', TOKEN) },
      ['--inputs', 'inputs.yml'],
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Input 'git-branch': "bad branch" is not accepted`);
    const printed = run.stdout + run.stderr;
    expect(printed).not.toContain('::add-mask::');
    expect(printed).not.toContain(TOKEN);
    expect(printed).not.toContain('local-secret-token-value');
    expect(run.leftInTmp).toEqual([]);
  });

  it('refuses an input the action does not have, naming the closest one, before anything runs', async () => {
    const inputs = 'git-url: https://github.com/wildside/fleet\ngitpath: ./clusters/dev\n';
    const run = await localRun({ 'inputs.yml': inputs }, ['--inputs', 'inputs.yml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "inputs.yml:2: 'gitpath' is not an input of flux-bootstrap (action.yml); did you mean 'git-path'?",
    );
    expect(run.stdout).not.toContain('===== job summary =====');
    expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);

    const flag = await localRun({}, ['--input', 'reconcile_interval=2m']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(
      "--input reconcile_interval=…: 'reconcile_interval' is not an input of flux-bootstrap (action.yml); did you mean 'reconcile-interval'?",
    );
  });

  it('says where an inputs file is broken and what is wrong, without a stack trace or the line’s content', async () => {
    const inputs = 'git-url: https://github.com/wildside/fleet\nkubeconfig: "token: not-shown-secret\n';
    const run = await localRun({ 'inputs.yml': inputs }, ['--inputs', 'inputs.yml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^local-run: inputs\.yml:3:1: not valid YAML: Missing closing "quote/m);
    expect(run.stdout + run.stderr).not.toContain('not-shown-secret');
    expect(run.stdout + run.stderr).not.toContain('YAMLParseError');
    expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);

    const nested = await localRun({ 'inputs.yml': 'helm-values:\n  logLevel: debug\n' }, ['--inputs', 'inputs.yml']);
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain(
      "inputs.yml:1: input 'helm-values' is a YAML mapping; inputs are strings: write it as a block (helm-values: |) holding the YAML",
    );
    const list = await localRun({ 'inputs.yml': '- git-url\n' }, ['--inputs', 'inputs.yml']);
    expect(list.stderr).toContain('inputs.yml: expected a mapping of input names (action.yml) to values');
    const missing = await localRun({}, ['--inputs', 'nowhere.yml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^local-run: cannot read the inputs file .*nowhere\.yml \(ENOENT\)/m);
  });
});

describe('local-run.mjs, in process', () => {
  it('suggests the input a misspelling most likely meant, and nothing for a name far from all of them', () => {
    const names = ['git-url', 'git-path', 'git-branch', 'reconcile-interval', 'kubeconfig'];
    expect(closestInput('gitpath', names)).toBe('git-path');
    expect(closestInput('GIT_URL', names)).toBe('git-url');
    expect(closestInput('kubeconfg', names)).toBe('kubeconfig');
    expect(closestInput('reconcile-intervall', names)).toBe('reconcile-interval');
    expect(closestInput('flux-version', names)).toBeUndefined();
  });

  it('masks what the action registers, in any later output, and swallows the registration', () => {
    const out: string[] = [];
    const filter = maskingFilter((text) => out.push(text));
    filter.add('known-before-the-run');
    filter.write('::add-mask::s3cr3t%25value\nline with s3cr3t%value in it\npartial s3c');
    filter.write('r3t%value end\nknown-before-the-run\n::add-mask::multi%0Aline\nlast');
    filter.end();
    expect(out.join('')).toBe('line with *** in it\npartial *** end\n***\nlast');
    expect(filter.mask('s3cr3t%value and multi\nline')).toBe('*** and ***');
    // Debug lines, as on the runner, only with step debug logging.
    const lines: string[] = [];
    maskingFilter((text) => lines.push(text)).write('::debug::detail\nshown\n');
    maskingFilter((text) => lines.push(text), new Set(), { debug: true }).write('::debug::detail\n');
    expect(lines).toEqual(['shown\n', '::debug::detail\n']);
  });

  it('treats the same inputs as secret as the action does', () => {
    expect([...localSecretInputs].sort()).toEqual([...SECRET_INPUTS].sort());
  });
});
