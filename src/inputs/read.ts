// The inputs stage's edge: read every input from the runner, mask secrets the moment they are read, then parse.
import * as core from '@actions/core';
import { parse as parseYaml } from 'yaml';
import {
  INPUT_NAMES,
  SECRET_INPUTS,
  parseInputs,
  type ActionInputs,
  type InputError,
  type InputsResult,
  type RawInputs,
} from './schema.js';

/** Reads the raw inputs; secret values are registered with the runner's masker before anything else sees them. */
export function readRawInputs(): RawInputs {
  const raw: RawInputs = {};
  for (const name of INPUT_NAMES) {
    const value = core.getInput(name, { trimWhitespace: false });
    if ((SECRET_INPUTS as readonly string[]).includes(name) && value.trim() !== '') {
      for (const secret of secretFragments(name, value)) core.setSecret(secret);
    }
    raw[name] = value;
  }
  return raw;
}

// Kubeconfig keys whose values authenticate: the runner masks line by line, so a multi-line kubeconfig registered
// whole would not hide the token printed on its own; each credential is registered as well.
const CREDENTIAL_KEYS = new Set([
  'token',
  'client-key-data',
  'client-certificate-data',
  'password',
  'id-token',
  'refresh-token',
  'client-secret',
]);

function credentialValues(node: unknown, found: string[]): void {
  if (Array.isArray(node)) {
    for (const item of node) credentialValues(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (CREDENTIAL_KEYS.has(key) && typeof value === 'string' && value !== '') found.push(value);
      else credentialValues(value, found);
    }
  }
}

/** The strings to mask for one secret input: the value itself, its lines and, for a kubeconfig, every credential. */
export function secretFragments(name: string, value: string): string[] {
  const fragments = new Set<string>([value, value.trim()]);
  if (name === 'kubeconfig') {
    const found: string[] = [];
    try {
      credentialValues(parseYaml(value), found);
    } catch {
      // Not YAML: the parser reports it without echoing; the whole value is still masked.
    }
    for (const credential of found) fragments.add(credential);
  } else {
    for (const line of value.split(/\r?\n/)) if (line.trim() !== '') fragments.add(line.trim());
  }
  return [...fragments].filter((f) => f !== '');
}

export function readInputs(): InputsResult {
  return parseInputs(readRawInputs());
}

/** One annotation per bad input, then the run fails: nothing else has run. */
export function reportInputErrors(errors: InputError[]): void {
  for (const error of errors) core.error(error.message, { title: `Invalid input: ${error.input}` });
  core.setFailed(`${errors.length} invalid input(s); nothing was run.`);
}

/** Every secret value of the parsed inputs, as masked: what the report scrubs from anything it renders. */
export function secretValues(inputs: ActionInputs): string[] {
  const given: [string, string | undefined][] = [
    ['kubeconfig', inputs.kubeconfig],
    ['digitalocean-token', inputs.digitaloceanToken],
    ['github-token', inputs.githubToken],
    ['git-password', inputs.gitCredentials?.data.password],
    ['git-ssh-private-key', inputs.gitCredentials?.data.identity],
  ];
  return given.flatMap(([name, value]) => (value ? secretFragments(name, value) : []));
}

/** Whether the inputs name a cluster to reach: a kubeconfig, or a DOKS cluster. */
export function hasClusterSource(inputs: ActionInputs): boolean {
  return Boolean(inputs.kubeconfig?.trim() || inputs.clusterName);
}
