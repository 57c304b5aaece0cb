// Backend detection from the record the real `tofu init` writes: implied local, explicit local, a remote (http)
// backend declared in *.tf, in *.tf.json and in an override file, and a TF_DATA_DIR elsewhere.
import { execFile } from 'node:child_process';
import { mkdtempSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendFromInitRecord, detectBackend } from '../src/gate/backend.js';
import { tools } from './support/tools.js';

const run = promisify(execFile);

// The http backend reads the state at init: an address that answers "no state yet" (404) is all init needs.
let server: http.Server;
let address: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.statusCode = req.method === 'GET' ? 404 : 200;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `http://127.0.0.1:${(server.address() as AddressInfo).port}/state`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function initRoot(files: Record<string, string>, env: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flux-backend-'));
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
  await run(tools.tofu, ['init', '-input=false', '-no-color'], { cwd: dir, env: { ...process.env, ...env } });
  return dir;
}

const resource = 'resource "terraform_data" "x" {\n  input = "a"\n}\n';

describe('detectBackend after a real tofu init', () => {
  it('reads no backend block as the implied local backend', async () => {
    const dir = await initRoot({ 'main.tf': resource });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'local', type: 'local (no backend block)' });
  });

  it('reads an explicit local backend as local', async () => {
    const dir = await initRoot({
      'main.tf': `terraform {\n  backend "local" {\n    path = "s.tfstate"\n  }\n}\n${resource}`,
    });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'local', type: 'local' });
  });

  it('reads an http backend in main.tf as remote', async () => {
    const dir = await initRoot({ 'main.tf': `terraform {\n  backend "http" {\n    address = "${address}"\n  }\n}\n` });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'remote', type: 'http' });
  });

  it('reads a backend declared in JSON syntax', async () => {
    const dir = await initRoot({
      'backend.tf.json': JSON.stringify({ terraform: { backend: { http: { address } } } }),
    });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'remote', type: 'http' });
  });

  it('follows an override file that replaces a local backend with a remote one', async () => {
    const dir = await initRoot({
      'main.tf': `terraform {\n  backend "local" {}\n}\n${resource}`,
      'backend_override.tf': `terraform {\n  backend "http" {\n    address = "${address}"\n  }\n}\n`,
    });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'remote', type: 'http' });
  });

  it('looks in TF_DATA_DIR when it is set', async () => {
    const env = { TF_DATA_DIR: 'elsewhere' };
    const dir = await initRoot(
      { 'main.tf': `terraform {\n  backend "http" {\n    address = "${address}"\n  }\n}\n` },
      env,
    );
    expect(await detectBackend(dir, env)).toEqual({ backend: 'remote', type: 'http' });
    expect(await detectBackend(dir, {})).toEqual({ backend: 'local', type: 'local (no backend block)' });
  });

  it('reads nothing after a failed init: a record left by an earlier init says nothing about this one', async () => {
    const dir = await initRoot({ 'main.tf': `terraform {\n  backend "http" {\n    address = "${address}"\n  }\n}\n` });
    expect(await detectBackend(dir, {}, false)).toEqual({ backend: 'unknown', type: 'not known (tofu init failed)' });
  });
});

describe('backendFromInitRecord', () => {
  it('treats every type but local as remote', () => {
    for (const type of ['s3', 'gcs', 'azurerm', 'pg', 'remote', 'cloud', 'kubernetes']) {
      expect(backendFromInitRecord(JSON.stringify({ version: 3, backend: { type } }))).toEqual({
        backend: 'remote',
        type,
      });
    }
    expect(backendFromInitRecord(JSON.stringify({ version: 3, backend: { type: 'local' } })).backend).toBe('local');
  });

  it('counts an unreadable or empty record as local, so the gate refuses rather than guesses', () => {
    expect(backendFromInitRecord('{not json')).toEqual({
      backend: 'local',
      type: 'unknown (unreadable backend record)',
    });
    expect(backendFromInitRecord('null').backend).toBe('local');
    expect(backendFromInitRecord(JSON.stringify({ version: 3 })).backend).toBe('local');
    expect(backendFromInitRecord(undefined).backend).toBe('local');
  });
});
