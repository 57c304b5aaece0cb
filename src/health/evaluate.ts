// Pure readiness of Flux's GitRepository and Kustomization after an apply, from the objects the Kubernetes API
// returns. The rules, in order, for each object:
//   - not found yet, or no Ready condition yet              → waiting (Flux has not reconciled it)
//   - Stalled=True                                          → failed: Flux gave up and will not retry
//   - a Ready condition older than the object's generation  → waiting (it describes a previous spec)
//   - Ready=True                                            → ready (a Kustomization only once it applied the
//                                                             revision the GitRepository serves)
//   - Ready=False for a reason that means "not yet"          → waiting (DependencyNotReady, Progressing…)
//   - Ready=False on a Kustomization that has not attempted  → waiting (e.g. ArtifactFailed "Source artifact not
//     the GitRepository's current revision                    found, retrying" while the source is still fetching);
//                                                             the attempt is the revision its Reconciling condition
//                                                             names, else status.lastAttemptedRevision
//   - any other Ready=False                                 → failed, with Flux's own reason and message
//   - Ready=Unknown                                         → waiting (reconciliation in progress)
//   - spec.suspend: true and not ready                      → failed: nothing will reconcile it
// The pair is failed when either object failed, ready when both are ready, waiting otherwise.

export type FluxKind = 'GitRepository' | 'Kustomization';

export interface FluxCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

export interface FluxObjectStatus {
  kind: FluxKind;
  namespace: string;
  name: string;
  found: boolean;
  suspended: boolean;
  generation?: number;
  observedGeneration?: number;
  conditions: FluxCondition[];
  /** GitRepository: status.artifact.revision. Kustomization: status.lastAppliedRevision. */
  revision?: string;
  /** Kustomization: status.lastAttemptedRevision. */
  lastAttemptedRevision?: string;
  /**
   * Kustomization: the revision its Reconciling condition says it is fetching or building. kustomize-controller
   * sets lastAttemptedRevision only once the revision's path exists, so after "kustomization path not found" (or
   * a failed download) only this names the revision that failed.
   */
  reconcilingRevision?: string;
}

export type Readiness =
  { state: 'ready' } | { state: 'waiting'; why: string } | { state: 'failed'; reason: string; message: string };

export interface FluxHealth {
  state: 'ready' | 'waiting' | 'failed';
  objects: { object: FluxObjectStatus; readiness: Readiness }[];
  /** The first failing object, for the run's failure message. */
  failure?: { object: FluxObjectStatus; reason: string; message: string };
}

/** Ready=False reasons that mean "not yet", not "failed". */
const WAITING_REASONS = new Set(['DependencyNotReady', 'Progressing', 'ProgressingWithRetry']);

export const condition = (object: FluxObjectStatus, type: string): FluxCondition | undefined =>
  object.conditions.find((c) => c.type === type);

function isCurrent(object: FluxObjectStatus, ready: FluxCondition): boolean {
  if (object.generation === undefined) return true;
  const observed = ready.observedGeneration ?? object.observedGeneration;
  return observed === undefined || observed >= object.generation;
}

const describe = (c: FluxCondition): string => `${c.reason ?? 'no reason'}: ${c.message ?? 'no message'}`;

export function evaluateObject(object: FluxObjectStatus, sourceRevision?: string): Readiness {
  if (!object.found) return { state: 'waiting', why: 'not found yet' };
  const stalled = condition(object, 'Stalled');
  if (stalled?.status === 'True') {
    return {
      state: 'failed',
      reason: stalled.reason ?? 'Stalled',
      message: stalled.message ?? 'Flux stopped retrying.',
    };
  }
  const readiness = readinessFromReady(object, sourceRevision);
  if (object.suspended && readiness.state !== 'ready') {
    return { state: 'failed', reason: 'Suspended', message: 'spec.suspend is true: Flux does not reconcile it.' };
  }
  return readiness;
}

function readinessFromReady(object: FluxObjectStatus, sourceRevision: string | undefined): Readiness {
  const ready = condition(object, 'Ready');
  if (!ready) return { state: 'waiting', why: 'no Ready condition yet' };
  if (!isCurrent(object, ready))
    return { state: 'waiting', why: `Ready describes an older generation (${describe(ready)})` };
  if (ready.status === 'Unknown') return { state: 'waiting', why: `Ready=Unknown (${describe(ready)})` };
  const stale = object.kind === 'Kustomization' && sourceRevision !== undefined;
  if (ready.status === 'True') {
    if (stale && object.revision !== sourceRevision) {
      return { state: 'waiting', why: `applied ${object.revision ?? 'nothing'} yet, source has ${sourceRevision}` };
    }
    return { state: 'ready' };
  }
  if (ready.reason && WAITING_REASONS.has(ready.reason))
    return { state: 'waiting', why: `Ready=False (${describe(ready)})` };
  const attempted = object.reconcilingRevision ?? object.lastAttemptedRevision;
  if (object.kind === 'Kustomization' && (sourceRevision === undefined || attempted !== sourceRevision)) {
    return { state: 'waiting', why: `Ready=False before attempting the source's revision (${describe(ready)})` };
  }
  return {
    state: 'failed',
    reason: ready.reason ?? 'NotReady',
    message: ready.message ?? 'Ready=False without a message.',
  };
}

/** Both objects together: the Kustomization is judged against the revision the GitRepository serves. */
export function evaluateFlux(gitRepository: FluxObjectStatus, kustomization: FluxObjectStatus): FluxHealth {
  const source = evaluateObject(gitRepository);
  const sourceRevision = source.state === 'ready' ? gitRepository.revision : undefined;
  const objects = [
    { object: gitRepository, readiness: source },
    { object: kustomization, readiness: evaluateObject(kustomization, sourceRevision) },
  ];
  const failed = objects.find((o) => o.readiness.state === 'failed');
  if (failed && failed.readiness.state === 'failed') {
    const { reason, message } = failed.readiness;
    return { state: 'failed', objects, failure: { object: failed.object, reason, message } };
  }
  return { state: objects.every((o) => o.readiness.state === 'ready') ? 'ready' : 'waiting', objects };
}

/** Reads the fields the evaluation needs from an object as the Kubernetes API returns it; null is "not found". */
export function fluxObjectFromApi(kind: FluxKind, namespace: string, name: string, body: unknown): FluxObjectStatus {
  if (body === null || typeof body !== 'object') {
    return { kind, namespace, name, found: false, suspended: false, conditions: [] };
  }
  const raw = body as {
    metadata?: { generation?: unknown };
    spec?: { suspend?: unknown };
    status?: {
      observedGeneration?: unknown;
      conditions?: unknown;
      artifact?: { revision?: unknown };
      lastAppliedRevision?: unknown;
      lastAttemptedRevision?: unknown;
    };
  };
  const status = raw.status ?? {};
  const revision = kind === 'GitRepository' ? status.artifact?.revision : status.lastAppliedRevision;
  const conditions = Array.isArray(status.conditions) ? status.conditions.flatMap(toCondition) : [];
  const reconciling = conditions.find((c) => c.type === 'Reconciling' && c.status === 'True')?.message;
  return {
    kind,
    namespace,
    name,
    found: true,
    suspended: raw.spec?.suspend === true,
    generation: numberOrUndefined(raw.metadata?.generation),
    observedGeneration: numberOrUndefined(status.observedGeneration),
    conditions,
    revision: stringOrUndefined(revision),
    lastAttemptedRevision: stringOrUndefined(status.lastAttemptedRevision),
    reconcilingRevision: kind === 'Kustomization' ? RECONCILING_REVISION.exec(reconciling ?? '')?.[1] : undefined,
  };
}

// kustomize-controller's Reconciling messages while it works on a revision (v1.x): "Fetching manifests for revision
// main@sha1:… with a timeout of 5m0s", then "Building manifests for revision …".
const RECONCILING_REVISION = /^(?:Fetching|Building) manifests for revision (\S+) with a timeout of /;

function toCondition(raw: unknown): FluxCondition[] {
  if (!raw || typeof raw !== 'object') return [];
  const c = raw as Record<string, unknown>;
  if (typeof c.type !== 'string') return [];
  const status = c.status === 'True' || c.status === 'False' ? c.status : 'Unknown';
  return [
    {
      type: c.type,
      status,
      reason: stringOrUndefined(c.reason),
      message: stringOrUndefined(c.message),
      observedGeneration: numberOrUndefined(c.observedGeneration),
    },
  ];
}

const numberOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const stringOrUndefined = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
