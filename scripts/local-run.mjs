#!/usr/bin/env node
// `node scripts/local-run.mjs [--inputs FILE] [--input name=value …] [--tools github|local-mirror]`: runs the
// bundled action on your inputs, against your cluster, exactly as the runner would (INPUT_* variables,
// GITHUB_OUTPUT/STEP_SUMMARY files) and prints the job summary and outputs to the terminal. The event is "local"
// unless --event/--ref say otherwise, so the apply gate stays shut unless every gate input is given explicitly.
// (`npm run local` is scripts/local-cluster-run.mjs: the shipped root on a local control plane the project starts.)
//
// What the runner does for a job, this script does for the terminal: it swallows the action's `::add-mask::` lines
// (and `::debug::` ones unless RUNNER_DEBUG=1) and masks every registered secret in what it prints (the action's
// output, the summary, the outputs), keeps the run's files in a private temporary directory that it removes at the
// end, and refuses an inputs file it cannot take whole: a name that is not an input (naming the closest one), a value
// that is not a string, broken YAML.
//
// --tools github (default) downloads tofu and conftest from their releases, verified as in CI. --tools local-mirror
// serves tofu and conftest built from the Go module proxy by scripts/test-tools.sh from a release mirror on
// 127.0.0.1, signed with a key made for the run: for machines that cannot reach GitHub.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { parseFileCommands, startLoopbackMirror, testToolEnv } from './test-env.mjs';

const repo = path.resolve(import.meta.dirname, '..');

/** The inputs whose values are secrets: src/inputs/schema.ts SECRET_INPUTS (test/local-run.test.ts keeps them equal). */
export const localSecretInputs = Object.freeze([
  'kubeconfig',
  'digitalocean-token',
  'github-token',
  'git-password',
  'git-ssh-private-key',
]);

/** A refusal of the command line or the inputs file: printed as one line, without a stack trace. */
class LocalRunError extends Error {}

/** The action's input names, from action.yml. */
function actionInputNames() {
  const action = parseDocument(readFileSync(path.join(repo, 'action.yml'), 'utf8')).toJS();
  return Object.keys(action?.inputs ?? {});
}

function editDistance(a, b) {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** The input a misspelled name most likely meant: the same letters (case, - and _ aside), else the nearest. */
export function closestInput(name, names) {
  const bare = (text) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const same = names.find((candidate) => bare(candidate) === bare(name));
  if (same) return same;
  let best;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

function unknownInput(where, name, names) {
  const closest = closestInput(name, names);
  const hint = closest ? `did you mean '${closest}'?` : `the inputs are: ${names.join(', ')}.`;
  return new LocalRunError(`${where}: '${name}' is not an input of flux-bootstrap (action.yml); ${hint}`);
}

/**
 * Reads the inputs file: a YAML mapping of input names to strings (numbers and booleans read as the runner would
 * pass them). Errors name the file and line and never quote the file, which may hold secrets.
 */
function readInputsFile(file, names) {
  const label = path.relative(process.cwd(), file) || file;
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LocalRunError(`cannot read the inputs file ${file} (${error.code ?? error.message})`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  const [problem] = doc.errors;
  if (problem) {
    const { line, col } = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
    const what = problem.message.split(' at line ')[0];
    throw new LocalRunError(
      `${label}:${line}:${col}: not valid YAML: ${what} (the line is not shown: it may hold a secret)`,
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    throw new LocalRunError(
      `${label}: expected a mapping of input names (action.yml) to values, such as "git-path: ./"`,
    );
  }
  const inputs = {};
  for (const pair of doc.contents.items) {
    const line = lineCounter.linePos(pair.key?.range?.[0] ?? 0).line;
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!names.includes(name)) throw unknownInput(`${label}:${line}`, name, names);
    const value = pair.value;
    if (value === null || (isScalar(value) && value.value === null)) inputs[name] = '';
    else if (isScalar(value) && ['string', 'number', 'boolean'].includes(typeof value.value)) {
      inputs[name] = String(value.value);
    } else {
      const kind = isMap(value) ? 'a YAML mapping' : 'a YAML list';
      throw new LocalRunError(
        `${label}:${line}: input '${name}' is ${kind}; inputs are strings: write it as a block (${name}: |) holding the YAML`,
      );
    }
  }
  return inputs;
}

/** Undoes the escaping of a workflow command's data (core's escapeData): %25, %0D, %0A. */
function unescapeCommandData(data) {
  return data.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/**
 * The runner's secret masking, for a terminal: `::add-mask::<value>` lines register the value and are not printed;
 * every registered value is replaced by *** in everything written after. Text is handled line by line, so a secret
 * split across two chunks is still masked; like the runner, a value is masked where it appears whole, which is why
 * the action registers a multi-line secret's lines and credentials one by one.
 */
export function maskingFilter(print, secrets = new Set(), { debug = false } = {}) {
  let pending = '';
  const mask = (text) => {
    let masked = text;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) masked = masked.split(secret).join('***');
    return masked;
  };
  const add = (value) => {
    for (const part of [value, value.trim()]) if (part !== '') secrets.add(part);
  };
  const line = (text, newline) => {
    const command = /^::add-mask::(.*?)\r?$/.exec(text);
    if (command) add(unescapeCommandData(command[1]));
    // Debug lines show only with step debug logging, on the runner as here (RUNNER_DEBUG=1).
    else if (debug || !text.startsWith('::debug::')) print(`${mask(text)}${newline}`);
  };
  return {
    add,
    mask,
    write(chunk) {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop();
      for (const text of lines) line(text, '\n');
    },
    end() {
      if (pending !== '') line(pending, '');
      pending = '';
    },
  };
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        inputs: { type: 'string' },
        input: { type: 'string', multiple: true, default: [] },
        event: { type: 'string', default: 'local' },
        ref: { type: 'string', default: 'refs/heads/local' },
        'event-path': { type: 'string' },
        tools: { type: 'string', default: 'github' },
      },
    }));
  } catch (error) {
    throw new LocalRunError(error.message);
  }
  if (!['github', 'local-mirror'].includes(values.tools))
    throw new LocalRunError('--tools expects github or local-mirror');

  const names = actionInputNames();
  // Without an inputs file, the --input values are all there is; `@file:` paths are then relative to the workspace.
  const inputsFile = path.resolve(values.inputs ?? 'inputs.yml');
  const inputs = values.inputs === undefined ? {} : readInputsFile(inputsFile, names);
  for (const pair of values.input) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new LocalRunError(`--input expects name=value, got "${pair.slice(0, 40)}"`);
    const name = pair.slice(0, eq);
    if (!names.includes(name)) throw unknownInput(`--input ${name}=…`, name, names);
    inputs[name] = pair.slice(eq + 1);
  }

  const env = {
    ...process.env,
    GITHUB_EVENT_NAME: values.event,
    GITHUB_REF: values.ref,
    GITHUB_WORKSPACE: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    GITHUB_REPOSITORY: process.env.GITHUB_REPOSITORY ?? 'local/local',
    RUNNER_TOOL_CACHE:
      process.env.RUNNER_TOOL_CACHE ?? path.join(os.homedir(), '.cache', 'flux-bootstrap-local', 'tool-cache'),
  };
  // Secrets are masked before the action even registers them, and the run starts with no GITHUB_RUN_ID to link.
  const secrets = new Set();
  const debug = { debug: process.env.RUNNER_DEBUG === '1' };
  const stdout = maskingFilter((text) => process.stdout.write(text), secrets, debug);
  const stderr = maskingFilter((text) => process.stderr.write(text), secrets, debug);
  delete env.GITHUB_RUN_ID;
  for (const [name, value] of Object.entries(inputs)) {
    let content = value;
    if (value.startsWith('@file:')) {
      const file = path.resolve(path.dirname(inputsFile), value.slice('@file:'.length));
      try {
        content = readFileSync(file, 'utf8');
      } catch (error) {
        throw new LocalRunError(`input '${name}': cannot read ${file} (${error.code ?? error.message})`);
      }
    }
    if (localSecretInputs.includes(name) && content.trim() !== '') stdout.add(content);
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = content;
  }

  // The run's files (outputs, state, summary, the action's run directory with the kubeconfig's copy) live in one
  // private directory, removed when the run ends.
  const home = mkdtempSync(path.join(os.tmpdir(), 'flux-bootstrap-local-'));
  try {
    const files = Object.fromEntries(['output', 'state', 'summary'].map((n) => [n, path.join(home, n)]));
    for (const file of Object.values(files)) writeFileSync(file, '', { mode: 0o600 });
    mkdirSync(path.join(home, 'temp'), { mode: 0o700 });
    const eventPath = values['event-path'] ?? path.join(home, 'event.json');
    if (!values['event-path']) writeFileSync(eventPath, '{}', { mode: 0o600 });
    Object.assign(env, {
      GITHUB_OUTPUT: files.output,
      GITHUB_STATE: files.state,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_EVENT_PATH: eventPath,
      RUNNER_TEMP: path.join(home, 'temp'),
    });

    const toolEnv = values.tools === 'local-mirror' ? localToolEnv() : undefined;
    const mirror = toolEnv && (await startLoopbackMirror(home, toolEnv));
    if (mirror) {
      env['INPUT_TOOL-MIRROR-URL'] = mirror.url;
      env.FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY = mirror.signingKeyArmored;
      env.TF_CLI_CONFIG_FILE = toolEnv.FLUX_TOFURC;
    }
    let status;
    try {
      status = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(repo, 'dist/index.js')], {
          env,
          stdio: ['inherit', 'pipe', 'pipe'],
        });
        child.stdout.setEncoding('utf8').on('data', (chunk) => stdout.write(chunk));
        child.stderr.setEncoding('utf8').on('data', (chunk) => stderr.write(chunk));
        child.on('error', reject);
        child.on('close', (code) => {
          stdout.end();
          stderr.end();
          resolve(code ?? 1);
        });
      });
    } finally {
      mirror?.stop();
    }
    spawnSync(process.execPath, [path.join(repo, 'dist/post/index.js')], {
      env: { ...env, ...stateEnv(readFileSync(files.state, 'utf8')) },
      stdio: 'ignore',
    });

    const print = (text) => process.stdout.write(`${stdout.mask(text)}\n`);
    print('\n===== job summary =====\n');
    print(readFileSync(files.summary, 'utf8') || '(empty)');
    print('===== outputs =====\n');
    const outputs = parseFileCommands(readFileSync(files.output, 'utf8'));
    print(
      Object.entries(outputs)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n') || '(none)',
    );
    return status;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The test tools' variables: the ones already set (as the test runner sets them), else scripts/test-tools.sh's. */
function localToolEnv() {
  const { TOFU_BIN, CONFTEST_BIN, FLUX_TOFURC } = process.env;
  if (TOFU_BIN && CONFTEST_BIN && FLUX_TOFURC) return { TOFU_BIN, CONFTEST_BIN, FLUX_TOFURC };
  return testToolEnv();
}

function stateEnv(text) {
  return Object.fromEntries(Object.entries(parseFileCommands(text)).map(([k, v]) => [`STATE_${k}`, v]));
}

const invoked = process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invoked) {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (!(error instanceof LocalRunError)) throw error;
    process.stderr.write(`local-run: ${error.message}\n`);
    process.exitCode = 2;
  }
}
