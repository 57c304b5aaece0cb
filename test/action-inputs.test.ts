// The bundle on Node 24, run as the runner runs it, refusing bad inputs before any tool runs.
import { describe, expect, it } from 'vitest';
import { fakeKubeconfig, runAction } from './support/action-runner.js';

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

describe('dist/index.js with invalid inputs', () => {
  it('exits 1 naming git-url when run with no inputs, without a stack trace', async () => {
    const run = await runAction();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /::error title=Invalid input%3A git-url::Input 'git-url': \(empty\) is not accepted: required when install is true/,
    );
    expect(run.stdout + run.stderr).not.toMatch(STACK_FRAME);
    expect(run.outputs).toEqual({});
    // Stopped before any tool or file: no run directory was made.
    expect(run.state).toEqual({});
  });

  it('exits 1 naming prune for prune: maybe, and reports the other bad inputs in the same run', async () => {
    const run = await runAction({
      inputs: { 'git-url': 'git@github.com:wildside/fleet', prune: 'maybe', kubeconfig: fakeKubeconfig() },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Input 'prune': "maybe" is not accepted: expected true or false.`);
    expect(run.stdout).toContain('write it as ssh://git@github.com/wildside/fleet');
    expect(run.stdout).toMatch(/2 invalid input\(s\); nothing was run/);
  });

  it('never prints a secret input, even when it is the invalid one', async () => {
    const run = await runAction({
      inputs: { 'git-url': 'https://github.com/wildside/fleet', kubeconfig: 'token: leaked-secret-value-123' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Input 'kubeconfig': (value hidden) is not accepted`);
    // The runner masks registered secrets; the action must also never print them itself.
    expect(run.stdout).toContain('::add-mask::token: leaked-secret-value-123');
    const printed = run.stdout.replace(/^::add-mask::.*$/gm, '') + run.stderr + run.summary;
    expect(printed).not.toContain('leaked-secret-value-123');
  });
});
