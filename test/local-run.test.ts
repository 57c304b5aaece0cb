// The README's first command line: `npm run local` runs the bundle on the example inputs, with tofu and conftest
// served from the loopback mirror, and prints the job summary and outputs without ever applying.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { node24, repoRoot } from './support/action-runner.js';

const run = promisify(execFile);

describe('npm run local', () => {
  it('plans the example for real, prints the summary and the outputs, and refuses to apply', async () => {
    const workspace = mkdtempSync(path.join(os.tmpdir(), 'flux-local-'));
    cpSync(path.join(repoRoot, 'examples'), path.join(workspace, 'examples'), { recursive: true });
    const { stdout } = await run(node24, [path.join(repoRoot, 'scripts', 'local-run.mjs'), '--tools', 'local-mirror'], {
      cwd: workspace,
      env: { ...process.env, GITHUB_WORKSPACE: workspace, RUNNER_TOOL_CACHE: path.join(workspace, 'tool-cache') },
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain('===== job summary =====');
    expect(stdout).toMatch(/^plan-exitcode: 2$/m);
    expect(stdout).toMatch(/^policy-result: pass$/m);
    expect(stdout).toMatch(/^applied: false$/m);
    expect(stdout).toMatch(/^apply-skipped-reason: The event is 'local'/m);
    // The example kubeconfig's placeholder token is masked like a real one would be.
    expect(stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain('placeholder-token-not-a-secret');
  });
});
