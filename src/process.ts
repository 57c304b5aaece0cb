// Runs a child process from an argument array (never a shell string), streams its output to the log while
// capturing it, and forwards SIGINT/SIGTERM so that a cancelled job lets tofu release its state lock.
import * as core from '@actions/core';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Killed because it outlived `timeoutMs`. */
  timedOut?: boolean;
}

export interface ProcessOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Echo output to the job log as it arrives (default true). */
  echo?: boolean;
  /** Rewrites each complete stdout line before it is echoed (JSON lines into readable text); null hides it. */
  echoLine?: (line: string) => string | null;
  /** SIGTERM the process after this long (none by default: tofu runs as long as it needs). */
  timeoutMs?: number;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function runProcess(command: string, args: string[], options: ProcessOptions): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED) process.on(signal, forward);
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, options.timeoutMs);
    const echo = options.echo ?? true;
    let stdout = '';
    let stderr = '';
    let pending = '';
    const echoLines = (text: string): void => {
      for (const line of text.split('\n')) {
        const shown = options.echoLine ? options.echoLine(line) : line;
        if (shown !== null) process.stdout.write(`${shown}\n`);
      }
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!echo) return;
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      if (lines.length > 0) echoLines(lines.join('\n'));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (echo) process.stderr.write(chunk);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      for (const signal of FORWARDED) process.off(signal, forward);
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const signal of FORWARDED) process.off(signal, forward);
      if (echo && pending !== '') echoLines(pending);
      // Measured so bench/ can subtract tool time from the action's own overhead (visible with step debug on).
      const ms = (performance.now() - started).toFixed(1);
      core.debug(
        `process ${command} ${args[0] ?? ''} exited ${code ?? signal} after ${ms} ms (from ${started.toFixed(1)} ms)`,
      );
      // A child killed by a signal has no exit code; report it as the shell would (128 + n), never as success.
      const exitCode = code ?? 128 + (signal === 'SIGINT' ? 2 : 15);
      resolve(timedOut ? { exitCode, stdout, stderr, timedOut } : { exitCode, stdout, stderr });
    });
  });
}

/** The environment for tools: the runner's, without the action's inputs (they hold secrets tools never need). */
export function toolEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('INPUT_')) env[name] = value;
  return { ...env, TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...extra };
}

/**
 * The tools' environment without what only tofu may read (TF_VAR_*: the Git credentials), for programs that are not
 * tofu, such as a kubeconfig's exec plugin: it keeps the cloud credentials a plugin needs (AWS_*, AZURE_*, …).
 */
export function withoutTofuVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('TF_VAR_')));
}
