// Bench entry, bundled by bench/tool-cache.bench.mjs: one installTools call for the pinned versions, exactly as the
// action's tools stage makes it. Writes {ms, fromCache} to $BENCH_RESULT (stdout carries the action's log lines).
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { installTools } from '../src/tools/install.js';

async function main(): Promise<void> {
  const started = performance.now();
  const { tofu, conftest } = await installTools({
    workingDirectory: process.cwd(),
    mirrorUrl: process.env.BENCH_MIRROR_URL,
  });
  const ms = performance.now() - started;
  writeFileSync(process.env.BENCH_RESULT!, JSON.stringify({ ms, fromCache: tofu.fromCache && conftest.fromCache }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
