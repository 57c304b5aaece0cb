// The committed bundle must be exactly what bundling the current src/ produces: the runner executes dist/, not src/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
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

describe.each([
  { entry: 'src/index.ts', out: 'dist' },
  { entry: 'src/post.ts', out: 'dist/post' },
])('bundle of $entry', ({ entry, out }) => {
  it(`equals the committed ${out}/`, () => {
    const fresh = mkdtempSync(path.join(os.tmpdir(), 'flux-dist-'));
    execFileSync(ncc, ['build', entry, '-o', fresh, '--source-map', '--license', 'licenses.txt', '--quiet'], {
      cwd: repoRoot,
      stdio: 'pipe',
    });
    const committed = path.join(repoRoot, out);
    const committedFiles = listFiles(committed).filter((f) => out !== 'dist' || !f.startsWith('post/'));
    expect(committedFiles).toEqual(listFiles(fresh));
    for (const file of listFiles(fresh)) {
      const same = readFileSync(path.join(fresh, file)).equals(readFileSync(path.join(committed, file)));
      expect(same, `${out}/${file} is stale: run npm run build and commit dist/`).toBe(true);
    }
  });
});
