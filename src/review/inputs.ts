// Pure: the inputs a plan was made with, recorded as hashes next to its fingerprint in the PR comment, so that when
// main's plan differs from the reviewed one the reason can be named when it is a difference of inputs (the apply
// job given `reconcile-interval: 3m`, the plan job `2m`). Only the inputs that shape the plan are recorded, each
// hashed on its own: secrets never (`kubeconfig` counts only by its API server's host, which the default comment
// target shows anyway), nor `backend-config`, whose values may be credentials and may rightly differ between jobs.
import { createHash } from 'node:crypto';
import type { ActionInputs } from '../inputs/schema.js';
import { writeCanonicalJson } from '../plan/fingerprint.js';
import { kubeconfigServerHost } from '../report/target.js';

/** Input name → the first 16 hex digits of the SHA-256 of its effective value (defaults applied). */
export type InputHashes = Record<string, string>;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Bump when what is hashed changes, so that old and new hashes can never be compared. */
const HASH_VERSION = 'flux-bootstrap-input-v1';
export const INPUT_HASH = /^[0-9a-f]{16}$/;

/** The recorded inputs and their effective values, in action.yml's order. */
function effectiveValues(inputs: ActionInputs): [string, Json][] {
  return [
    ['git-url', inputs.git.url ?? null],
    ['git-branch', inputs.git.branch],
    ['git-path', inputs.git.path],
    ['git-secret-name', inputs.git.secretName ?? null],
    // The revision only: it is what the plan holds of the credentials (an apply job without them plans no Secret).
    ['git-credentials-revision', inputs.gitCredentials?.revision ?? null],
    ['flux-namespace', inputs.fluxNamespace],
    ['reconcile-interval', inputs.reconcileInterval],
    ['prune', inputs.prune],
    ['install', inputs.install],
    ['chart-version', inputs.chartVersion ?? null],
    ['chart-repository', inputs.chartRepository ?? null],
    ['helm-values', inputs.helmValues as Json],
    ['helm-values-files', inputs.helmValuesFiles],
    ['working-directory', inputs.workingDirectory ?? null],
    ['backend', inputs.backend ?? null],
    ['tofu-version', inputs.tofuVersion ?? null],
    ['kubeconfig', inputs.kubeconfig ? (kubeconfigServerHost(inputs.kubeconfig) ?? 'unreadable') : null],
    ['multitenancy', inputs.multitenancy],
    ['cluster-name', inputs.clusterName ?? null],
  ];
}

function hashValue(name: string, value: Json): string {
  const hash = createHash('sha256').update(`${HASH_VERSION}\n${name}\n`);
  writeCanonicalJson(value, (piece) => hash.update(piece));
  return hash.digest('hex').slice(0, 16);
}

export function effectiveInputHashes(inputs: ActionInputs): InputHashes {
  return Object.fromEntries(effectiveValues(inputs).map(([name, value]) => [name, hashValue(name, value)]));
}

/** Reads recorded hashes back from a comment's metadata: undefined for anything but a map of names to hashes. */
export function parseInputHashes(value: unknown): InputHashes | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  const valid = entries.every(
    ([name, hash]) => /^[a-z][a-z-]{0,40}$/.test(name) && typeof hash === 'string' && INPUT_HASH.test(hash),
  );
  return valid && entries.length > 0 ? (Object.fromEntries(entries) as InputHashes) : undefined;
}

/** The inputs recorded by both runs whose values differ, in the order of `current`; [] when either has none. */
export function differingInputs(reviewed: InputHashes | undefined, current: InputHashes | undefined): string[] {
  if (!reviewed || !current) return [];
  return Object.keys(current).filter((name) => name in reviewed && reviewed[name] !== current[name]);
}

/** How a differing input reads in a message: the kubeconfig differs only by which API server it reaches. */
export function inputLabel(name: string): string {
  return name === 'kubeconfig' ? "'kubeconfig' (its API server)" : `'${name}'`;
}
