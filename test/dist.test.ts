// The committed bundle must be exactly what bundling the current src/ produces: the runner executes dist/, not src/.
// A build is kept outside the repository, keyed by a hash of everything ncc reads (src/, the package and
// TypeScript configuration, the lock file and the installed tree's record), so a warm run compares against the
// build of the very same inputs instead of bundling the 20 MB Kubernetes client again.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './support/action-runner.js';

const ncc = path.join(repoRoot, 'node_modules', '.bin', 'ncc');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

function inputsHash(): string {
  const hash = createHash('sha256');
  const files = [
    ...listFiles(path.join(repoRoot, 'src')).map((f) => path.join('src', f)),
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    path.join('node_modules', '.package-lock.json'),
  ];
  for (const file of files)
    hash
      .update(`${file}\0`)
      .update(readFileSync(path.join(repoRoot, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 24);
}

const cacheRoot = path.join(
  process.env.FLUX_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'flux-bootstrap-tools'),
  'dist-builds',
);

/** The bundle of `entry` for the current inputs: built once, then kept (built aside and renamed into place). */
function freshBuild(entry: string, key: string): string {
  const kept = path.join(cacheRoot, `${key}-${path.basename(entry, '.ts')}`);
  if (existsSync(kept)) return kept;
  mkdirSync(cacheRoot, { recursive: true });
  const building = mkdtempSync(path.join(cacheRoot, '.building-'));
  execFileSync(ncc, ['build', entry, '-o', building, '--source-map', '--license', 'licenses.txt', '--quiet'], {
    cwd: repoRoot,
    stdio: 'pipe',
  });
  try {
    renameSync(building, kept);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another worker kept the same build first
  }
  // Builds of earlier sources go once a day has passed (other checkouts may share the cache meanwhile).
  for (const old of readdirSync(cacheRoot).filter((name) => !name.startsWith(key))) {
    const dir = path.join(cacheRoot, old);
    if (Date.now() - statSync(dir).mtimeMs > 86_400_000) rmSync(dir, { recursive: true, force: true });
  }
  return kept;
}

const key = inputsHash();

describe.each([
  { entry: 'src/index.ts', out: 'dist' },
  { entry: 'src/post.ts', out: 'dist/post' },
])('bundle of $entry', ({ entry, out }) => {
  it(`equals the committed ${out}/`, () => {
    const fresh = freshBuild(entry, key);
    const committed = path.join(repoRoot, out);
    const committedFiles = listFiles(committed).filter((f) => out !== 'dist' || !f.startsWith('post/'));
    expect(committedFiles).toEqual(listFiles(fresh));
    for (const file of listFiles(fresh)) {
      const same = readFileSync(path.join(fresh, file)).equals(readFileSync(path.join(committed, file)));
      expect(same, `${out}/${file} is stale: run npm run build and commit dist/`).toBe(true);
    }
  });
});
