// Shared set-up for integration runs of the whole pipeline: a release mirror on 127.0.0.1 serving the real tools,
// a workspace holding a fixture root configuration, and inputs that point the action at both.
import { cpSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fakeKubeconfig, repoRoot, runAction, type ActionRun, type RunOptions } from './action-runner.js';
import type { ReleaseMirror } from './release-mirror.js';

export const fixtureRoots = path.join(repoRoot, 'test', 'fixtures', 'roots');

/** A workspace with fixture root `root` copied to ./config (and optional extra directories). */
export function fixtureWorkspace(root: string, extra: Record<string, string> = {}): string {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'flux-ws-'));
  cpSync(path.join(fixtureRoots, root), path.join(workspace, 'config'), { recursive: true });
  for (const [dest, source] of Object.entries(extra)) cpSync(source, path.join(workspace, dest), { recursive: true });
  return workspace;
}

export interface PipelineRunOptions extends RunOptions {
  mirror: ReleaseMirror;
  /** Shared across runs so only the first downloads, as on one runner. */
  toolCache: string;
}

export function sharedToolCache(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'flux-toolcache-'));
}

export function runPipeline(options: PipelineRunOptions): Promise<ActionRun> {
  const { mirror, toolCache, ...rest } = options;
  return runAction({
    ...rest,
    inputs: {
      'git-url': 'https://github.com/wildside/fleet-infra',
      'git-path': './clusters/dev',
      kubeconfig: fakeKubeconfig(),
      'working-directory': 'config',
      'tool-mirror-url': mirror.url,
      comment: 'false',
      ...rest.inputs,
    },
    env: {
      RUNNER_TOOL_CACHE: toolCache,
      FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY: mirror.signingKeyArmored,
      TF_CLI_CONFIG_FILE: process.env.FLUX_TOFURC ?? '',
      ...rest.env,
    },
  });
}

/** The workflow-command annotations a run printed: `::error file=…,line=…::message`. */
export function annotations(stdout: string, level: 'error' | 'warning'): { props: string; message: string }[] {
  const found: { props: string; message: string }[] = [];
  for (const match of stdout.matchAll(new RegExp(`^::${level}( [^:]*)?::(.*)$`, 'gm'))) {
    found.push({
      props: match[1]?.trim() ?? '',
      message: decodeURIComponent(match[2]!.replace(/%(?![0-9A-F]{2})/g, '%25')),
    });
  }
  return found;
}
