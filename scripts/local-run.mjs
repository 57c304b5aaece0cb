#!/usr/bin/env node
// `node scripts/local-run.mjs [--inputs FILE] [--input name=value …] [--tools github|local-mirror]`: runs the
// bundled action exactly as the runner would (INPUT_* variables, GITHUB_OUTPUT/STEP_SUMMARY files) and prints the
// job summary and outputs to the terminal. The event is "local" unless --event/--ref say otherwise, so the apply
// gate stays shut unless every gate input is given explicitly.
//
// --tools github (default) downloads tofu and conftest from their releases, verified as in CI. --tools local-mirror
// (what `npm run local` uses) serves tofu and conftest built from the Go module proxy by scripts/test-tools.sh from a
// release mirror on 127.0.0.1, signed with a key made for the run: for machines that cannot reach GitHub.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { parseFileCommands, startLoopbackMirror, testToolEnv } from './test-env.mjs';

const repo = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    inputs: { type: 'string', default: path.join(repo, 'examples/local/inputs.yml') },
    input: { type: 'string', multiple: true, default: [] },
    event: { type: 'string', default: 'local' },
    ref: { type: 'string', default: 'refs/heads/local' },
    'event-path': { type: 'string' },
    tools: { type: 'string', default: 'github' },
  },
});
if (!['github', 'local-mirror'].includes(values.tools)) throw new Error(`--tools expects github or local-mirror`);

const inputsFile = path.resolve(values.inputs);
const inputs = parse(readFileSync(inputsFile, 'utf8')) ?? {};
for (const pair of values.input) {
  const eq = pair.indexOf('=');
  if (eq < 1) throw new Error(`--input expects name=value, got ${pair}`);
  inputs[pair.slice(0, eq)] = pair.slice(eq + 1);
}

const home = mkdtempSync(path.join(os.tmpdir(), 'flux-bootstrap-local-'));
const files = Object.fromEntries(['output', 'state', 'summary'].map((n) => [n, path.join(home, n)]));
for (const file of Object.values(files)) writeFileSync(file, '');
for (const dir of ['temp', 'tool-cache']) mkdirSync(path.join(home, dir));
const eventPath = values['event-path'] ?? path.join(home, 'event.json');
if (!values['event-path']) writeFileSync(eventPath, '{}');

const env = {
  ...process.env,
  GITHUB_OUTPUT: files.output,
  GITHUB_STATE: files.state,
  GITHUB_STEP_SUMMARY: files.summary,
  GITHUB_EVENT_NAME: values.event,
  GITHUB_EVENT_PATH: eventPath,
  GITHUB_REF: values.ref,
  GITHUB_WORKSPACE: process.env.GITHUB_WORKSPACE ?? process.cwd(),
  GITHUB_REPOSITORY: process.env.GITHUB_REPOSITORY ?? 'local/local',
  RUNNER_TEMP: path.join(home, 'temp'),
  RUNNER_TOOL_CACHE:
    process.env.RUNNER_TOOL_CACHE ?? path.join(os.homedir(), '.cache', 'flux-bootstrap-local', 'tool-cache'),
};
for (const [name, raw] of Object.entries(inputs)) {
  const value = String(raw);
  const content = value.startsWith('@file:')
    ? readFileSync(path.resolve(path.dirname(inputsFile), value.slice('@file:'.length)), 'utf8')
    : value;
  env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = content;
}

const toolEnv = values.tools === 'local-mirror' ? testToolEnv() : undefined;
const mirror = toolEnv && (await startLoopbackMirror(home, toolEnv));
if (mirror) {
  env['INPUT_TOOL-MIRROR-URL'] = mirror.url;
  env.FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY = mirror.signingKeyArmored;
  env.TF_CLI_CONFIG_FILE = toolEnv.FLUX_TOFURC;
}
const main = spawnSync(process.execPath, [path.join(repo, 'dist/index.js')], { env, stdio: 'inherit' });
mirror?.stop();
const post = spawnSync(process.execPath, [path.join(repo, 'dist/post/index.js')], {
  env: { ...env, ...stateEnv(readFileSync(files.state, 'utf8')) },
  stdio: 'ignore',
});

console.log('\n===== job summary =====\n');
console.log(readFileSync(files.summary, 'utf8') || '(empty)');
console.log('===== outputs =====\n');
const outputs = parseFileCommands(readFileSync(files.output, 'utf8'));
console.log(
  Object.entries(outputs)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n') || '(none)',
);
process.exit(main.status ?? 1);

function stateEnv(text) {
  return Object.fromEntries(Object.entries(parseFileCommands(text)).map(([k, v]) => [`STATE_${k}`, v]));
}
