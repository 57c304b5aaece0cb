// modules/planner-rbac rendered by the real tofu: its output for flux-system is deploy/planner-rbac.yaml (the file
// e2e-access.test.ts applies to a real cluster and plans with), another namespace moves every namespaced object.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './support/action-runner.js';
import { tools } from './support/tools.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'planner-rbac-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function render(namespace: string): { code: number | null; manifest: string; stderr: string } {
  const dir = mkdtempSync(path.join(work, 'root-'));
  const source = path.join(repoRoot, 'modules', 'planner-rbac');
  writeFileSync(
    path.join(dir, 'main.tf'),
    `module "planner" {\n  source    = "${source}"\n  namespace = "${namespace}"\n}\n\noutput "m" {\n  value = module.planner.manifest\n}\n`,
  );
  const env = { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' };
  const tofu = (args: string[]) => spawnSync(tools.tofu, args, { cwd: dir, env, encoding: 'utf8' });
  const init = tofu(['init', '-input=false', '-no-color']);
  if (init.status !== 0) return { code: init.status, manifest: '', stderr: init.stderr };
  const apply = tofu(['apply', '-input=false', '-auto-approve', '-no-color']);
  if (apply.status !== 0) return { code: apply.status, manifest: '', stderr: apply.stderr };
  const output = tofu(['output', '-raw', 'm']);
  return { code: output.status, manifest: output.stdout, stderr: output.stderr };
}

describe('modules/planner-rbac', () => {
  it('renders deploy/planner-rbac.yaml for flux-system', () => {
    const { code, manifest, stderr } = render('flux-system');
    expect(code, stderr).toBe(0);
    const shipped = readFileSync(path.join(repoRoot, 'deploy', 'planner-rbac.yaml'), 'utf8');
    const objects = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as object);
    expect(objects(manifest)).toEqual(objects(shipped));
    expect(objects(manifest).map((o) => (o as { kind: string }).kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Secret',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding', // prettier-ignore
    ]);
  }, 60_000);

  it('puts every namespaced object and the bindings’ subject in another namespace', () => {
    const { code, manifest, stderr } = render('flux');
    expect(code, stderr).toBe(0);
    const objects = parseAllDocuments(manifest).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; subjects?: { namespace: string }[] }, // prettier-ignore
    );
    expect(objects[0]?.metadata.name).toBe('flux');
    for (const o of objects.slice(1)) {
      if (!o.kind.startsWith('Cluster')) expect(o.metadata.namespace, o.kind).toBe('flux');
      for (const s of o.subjects ?? []) expect(s.namespace).toBe('flux');
    }
    expect(manifest).not.toContain('namespace: flux-system');
  }, 60_000);

  it('refuses a namespace that is not a DNS label', () => {
    const { code, stderr } = render('Flux_System');
    expect(code).toBe(1);
    expect(stderr).toContain('namespace "Flux_System" is not accepted: expected a DNS label');
  }, 60_000);
});
