// The tools the suite relies on are the real ones, at the pinned versions, built by scripts/test-tools.sh.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { node24, repoRoot } from './support/action-runner.js';
import { tools } from './support/tools.js';

const pinned = Object.fromEntries(
  readFileSync(path.join(repoRoot, 'scripts', 'tool-versions.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

describe('toolchain', () => {
  it('runs the real tofu at the pinned version', () => {
    const out = JSON.parse(execFileSync(tools.tofu, ['version', '-json'], { encoding: 'utf8' })) as {
      terraform_version: string;
    };
    expect(out.terraform_version).toBe(pinned.TOFU_VERSION);
  });

  it('runs the real conftest at the pinned version', () => {
    const out = execFileSync(tools.conftest, ['--version'], { encoding: 'utf8' });
    expect(out).toMatch(new RegExp(`Conftest: ${pinned.CONFTEST_VERSION!.replace(/\./g, '\\.')}`));
  });

  it('runs the bundle on Node 24, the runtime of runs.using: node24', () => {
    expect(execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^v24\./);
    expect(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')).toMatch(/using: node24/);
  });
});
