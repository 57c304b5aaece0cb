// readRunContext: what the run is about, from the runner's environment.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readRunContext, type RunContext } from '../src/context.js';

function contextWith(env: Record<string, string | undefined>): RunContext {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return readRunContext();
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('readRunContext', () => {
  it("links the workflow run on GitHub's runners", () => {
    const context = contextWith({
      GITHUB_RUN_ID: '123456789',
      GITHUB_REPOSITORY: 'wildside/infra',
      GITHUB_SERVER_URL: 'https://github.com',
    });
    expect(context.runUrl).toBe('https://github.com/wildside/infra/actions/runs/123456789');
    expect(context).toMatchObject({ owner: 'wildside', repo: 'infra', repository: 'wildside/infra' });
  });

  it('has no run link where there is no run (a local run), never …/actions/runs/NaN', () => {
    for (const runId of [undefined, '', 'local', '0', '-3']) {
      const context = contextWith({ GITHUB_RUN_ID: runId, GITHUB_REPOSITORY: 'local/local' });
      expect(context.runUrl, String(runId)).toBe('');
    }
    expect(contextWith({ GITHUB_RUN_ID: '42', GITHUB_REPOSITORY: '' }).runUrl).toBe('');
  });
});
