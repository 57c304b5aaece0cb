// Bench helper, bundled by bench/tool-cache.bench.mjs: serves test/support/release-mirror.ts until stdin closes,
// after printing {url, signingKeyArmored} as one JSON line.
import { pinnedToolVersions, startReleaseMirror } from '../test/support/release-mirror.js';

async function main(): Promise<void> {
  // Bundled, this file no longer sits in the repository: BENCH_REPO says where scripts/tool-versions.env is.
  const mirror = await startReleaseMirror({}, pinnedToolVersions(process.env.BENCH_REPO));
  process.stdout.write(`${JSON.stringify({ url: mirror.url, signingKeyArmored: mirror.signingKeyArmored })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void mirror.close().then(() => process.exit(0)));
}

void main();
