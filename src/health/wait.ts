// The health stage's edge: polls the GitRepository and the Kustomization through the Kubernetes API until the pure
// evaluation says ready or failed, or the timeout passes. Connection errors are retried until then; refused
// credentials and untrusted certificates stop at once, since waiting cannot fix them.
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeAccessError, type KubeClient, type ObjectRef } from '../kube/client.js';
import { evaluateFlux, fluxObjectFromApi, type FluxHealth, type FluxKind, type FluxObjectStatus } from './evaluate.js';

export interface FluxTargets {
  namespace: string;
  gitRepositoryName: string;
  kustomizationName: string;
}

export interface WaitOptions {
  timeoutSeconds: number;
  /** Between polls; tests shorten it. */
  pollIntervalMs?: number;
  /** Called with a line whenever what the wait is waiting for changes. */
  log?: (line: string) => void;
}

export interface HealthReport {
  outcome: 'ready' | 'failed' | 'timeout';
  /** The last evaluation, absent when the API never answered. */
  health?: FluxHealth;
  /** One paragraph for the log and the run's failure: Flux's own reason and message when it failed. */
  message: string;
  polls: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 5000;
const FIRST_POLL_DELAY_MS = 1000;

/**
 * Pure: how long to wait after poll `n` (1-based): 1 s, then doubling up to the interval. Flux is usually Ready a
 * second or two after the apply, so a flat 5 s interval would spend most of a healthy wait asleep.
 */
export function pollDelay(n: number, intervalMs: number): number {
  return Math.min(intervalMs, FIRST_POLL_DELAY_MS * 2 ** (n - 1));
}
const REQUEST_TIMEOUT_MS = 10_000;

const API: Record<FluxKind, Pick<ObjectRef, 'group' | 'version' | 'plural'>> = {
  GitRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' },
  Kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' },
};

export const objectRef = (kind: FluxKind, namespace: string, name: string): ObjectRef => ({
  ...API[kind],
  namespace,
  name,
});

async function fetchObject(
  client: KubeClient,
  kind: FluxKind,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<FluxObjectStatus> {
  const response = await client.getObject(objectRef(kind, namespace, name), timeoutMs);
  // 404 covers both a missing object and Flux's CRDs not being served yet: either way, not there yet.
  if (response.status === 404) return fluxObjectFromApi(kind, namespace, name, null);
  if (response.status !== 200) throw new Error(`HTTP ${response.status} reading ${kind} ${namespace}/${name}`);
  return fluxObjectFromApi(kind, namespace, name, response.body);
}

export const objectLabel = (o: FluxObjectStatus): string => `${o.kind} ${o.namespace}/${o.name}`;

export function describeHealth(health: FluxHealth): string {
  return health.objects
    .map(({ object, readiness }) => {
      if (readiness.state === 'ready')
        return `${objectLabel(object)} is ready at ${object.revision ?? 'an unknown revision'}`;
      if (readiness.state === 'failed')
        return `${objectLabel(object)} failed: ${readiness.reason}: ${readiness.message}`;
      return `${objectLabel(object)} is waiting: ${readiness.why}`;
    })
    .join('; ');
}

export async function waitForFlux(
  client: KubeClient,
  targets: FluxTargets,
  options: WaitOptions,
): Promise<HealthReport> {
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  let health: FluxHealth | undefined;
  let lastError: string | undefined;
  let lastLine = '';
  let polls = 0;
  const say = (line: string): void => {
    if (line !== lastLine) options.log?.(line);
    lastLine = line;
  };
  for (;;) {
    polls++;
    try {
      // Every poll gets the full request timeout, the last one (started at the deadline) too: cut down to what is
      // left of the wait, it would end in "no answer within 1 ms" from an API that is fine. So the wait can last up
      // to REQUEST_TIMEOUT_MS longer than the timeout, never more.
      const [source, kustomization] = await Promise.all([
        fetchObject(client, 'GitRepository', targets.namespace, targets.gitRepositoryName, REQUEST_TIMEOUT_MS),
        fetchObject(client, 'Kustomization', targets.namespace, targets.kustomizationName, REQUEST_TIMEOUT_MS),
      ]);
      health = evaluateFlux(source, kustomization);
      lastError = undefined;
      say(describeHealth(health));
      if (health.state === 'ready')
        return { outcome: 'ready', health, message: `Flux is ready: ${describeHealth(health)}.`, polls };
      if (health.failure) {
        const { object, reason, message } = health.failure;
        return {
          outcome: 'failed',
          health,
          message: `${objectLabel(object)} is not ready: ${reason}: ${message}`,
          polls,
        };
      }
    } catch (error) {
      const text = (error as Error).message;
      if (error instanceof KubeAccessError)
        return { outcome: 'failed', health, message: `Health check: ${text}`, polls };
      lastError = text;
      say(`Kubernetes API not answering yet: ${text}`);
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(pollDelay(polls, interval), Math.max(0, deadline - Date.now())));
  }
  const state = health ? describeHealth(health) : 'no answer from the Kubernetes API';
  const error = lastError ? ` Last error: ${lastError}.` : '';
  return {
    outcome: 'timeout',
    health,
    message: `Flux was not ready after ${options.timeoutSeconds} s: ${state}.${error}`,
    polls,
  };
}
