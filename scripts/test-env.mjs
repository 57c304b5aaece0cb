// What the tests, the benchmarks and `npm run local` share: the real tools built by scripts/test-tools.sh, a
// loopback release mirror serving them, the median the benchmarks report, and the runner's file-command format.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const repo = path.resolve(import.meta.dirname, '..');

/** Builds (or finds cached) the test tools and returns the variables scripts/test-tools.sh exports. */
export function testToolEnv() {
  const exports = execFileSync('bash', [path.join(repo, 'scripts', 'test-tools.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return Object.fromEntries([...exports.matchAll(/^export ([A-Z_]+)='(.*)'$/gm)].map((m) => [m[1], m[2]]));
}

/**
 * Serves the real tofu and conftest from test/support/release-mirror.ts on 127.0.0.1, in a child process bundled with
 * ncc into `workDir`. Resolves with the mirror's URL, the armored key that signed tofu's checksums, and stop().
 */
export async function startLoopbackMirror(workDir, toolEnv = testToolEnv()) {
  const out = path.join(workDir, 'release-mirror');
  const ncc = path.join(repo, 'node_modules', '.bin', 'ncc');
  // ncc reads the repository's tsconfig.json only when it runs there.
  execFileSync(ncc, ['build', path.join(repo, 'bench', 'release-mirror-server.ts'), '-o', out, '--quiet'], {
    cwd: repo,
    stdio: 'inherit',
  });
  const child = spawn(process.execPath, [path.join(out, 'index.js')], {
    env: { ...process.env, ...toolEnv, BENCH_REPO: repo },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const { value: line } = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  if (!line) throw new Error('the loopback release mirror did not start');
  return { ...JSON.parse(line), stop: () => child.stdin.end() };
}

/**
 * Lets a benchmark import src/ and test/support/ TypeScript as it is (Node 24 strips the types): their imports name
 * `./x.js`, the file on disk is `./x.ts`. Loaded on demand, so that importing this module registers nothing.
 */
export async function resolveTypeScriptImports() {
  const { registerHooks } = await import('node:module');
  registerHooks({
    resolve(specifier, context, next) {
      try {
        return next(specifier, context);
      } catch (error) {
        if (!specifier.startsWith('.') || !specifier.endsWith('.js')) throw error;
        return next(specifier.replace(/\.js$/, '.ts'), context);
      }
    },
  });
}

/**
 * The tool processes a run logged, in its `::debug::process <binary> <first arg> exited <code> after <ms> ms (from
 * <ms> ms)` lines (src/process.ts): the tool's name, its first argument, and its interval in ms from the run's start.
 */
export function toolProcesses(stdout) {
  const found = stdout.matchAll(/^::debug::process (\S+) (\S*) exited \S+ after ([\d.]+) ms \(from ([\d.]+) ms\)$/gm);
  return [...found].map((m) => ({
    tool: path.basename(m[1]),
    command: m[2],
    interval: [Number(m[4]), Number(m[4]) + Number(m[3])],
  }));
}

/** Total length of the union of [start, end] intervals, in ms: the time covered by overlapping tool runs. */
export function covered(intervals) {
  let total = 0;
  let end = -Infinity;
  for (const [s, e] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (s > end) {
      total += e - s;
      end = e;
    } else if (e > end) {
      total += e - end;
      end = e;
    }
  }
  return total;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Parses the runner's `name<<delimiter` file-command format (GITHUB_OUTPUT, GITHUB_STATE). */
export function parseFileCommands(text) {
  const values = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (!match) continue;
    const [, name, delimiter] = match;
    const body = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i]);
    values[name] = body.join('\n');
  }
  return values;
}
