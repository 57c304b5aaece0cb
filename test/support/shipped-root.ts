// The shipped root run by the real tofu outside the action: modules/ copied into a temporary directory with local
// state (the copy keeps the repository clean of .terraform and state), and tofu run there with the tests' provider
// mirror. Exit codes are returned, not thrown: `-detailed-exitcode` makes 2 an answer.
import { execFile } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './action-runner.js';
import { tools } from './tools.js';

const execFileAsync = promisify(execFile);

/** Copies modules/ into `dir` (without .terraform, lock files or tests) with a local backend; returns the root's path. */
export function copyShippedRoot(dir: string): string {
  cpSync(path.join(repoRoot, 'modules'), dir, {
    recursive: true,
    filter: (src) => !/(\.terraform|\.terraform\.lock\.hcl|tests)$/.test(src),
  });
  writeFileSync(path.join(dir, 'root', 'backend_override.tf'), 'terraform {\n  backend "local" {}\n}\n');
  return path.join(dir, 'root');
}

/** `tofu <args> -no-color` in `cwd`; `env` is added to the process environment and the provider mirror. */
export async function runTofu(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; stdout: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(tools.tofu, [...args, '-no-color'], {
      cwd,
      env: { ...process.env, TF_CLI_CONFIG_FILE: tools.tofurc, TF_IN_AUTOMATION: '1', ...env },
      maxBuffer: 64 << 20,
    });
    return { code: 0, out: stdout + stderr, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}`, stdout: e.stdout ?? '' };
  }
}
