// Pure readiness evaluation of Flux objects in the shape the API returns them (built by the stand-in's fluxObject).
import { describe, expect, it } from 'vitest';
import { evaluateFlux, evaluateObject, fluxObjectFromApi, type FluxObjectStatus } from '../src/health/evaluate.js';
import { renderHealthSection } from '../src/health/render.js';
import { fluxObject, type FluxKind, type ObjectState } from './support/kube-api.js';

const REV = 'main@sha1:4f1c2b0e6f1d2a3b4c5d6e7f8091a2b3c4d5e6f7';
const OLD = 'main@sha1:0000000000000000000000000000000000000000';

const status = (kind: FluxKind, state: ObjectState | null): FluxObjectStatus =>
  fluxObjectFromApi(
    kind,
    'flux-system',
    'flux-system',
    state ? fluxObject(kind, 'flux-system', 'flux-system', state) : null,
  );

const sourceReady = status('GitRepository', {
  ready: { status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${REV}'` },
  revision: REV,
});
const kustomizationReady = status('Kustomization', {
  ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${REV}` },
  revision: REV,
  lastAttemptedRevision: REV,
});

describe('fluxObjectFromApi', () => {
  it('reads generation, conditions and revisions from the API object', () => {
    expect(kustomizationReady).toMatchObject({
      kind: 'Kustomization',
      found: true,
      suspended: false,
      generation: 1,
      observedGeneration: 1,
      revision: REV,
      lastAttemptedRevision: REV,
    });
    expect(kustomizationReady.conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'ReconciliationSucceeded',
        message: `Applied revision: ${REV}`,
        observedGeneration: 1,
      },
    ]);
    expect(sourceReady.revision).toBe(REV);
  });

  it('reads a missing object as not found and tolerates odd shapes', () => {
    expect(status('GitRepository', null)).toMatchObject({ found: false, conditions: [] });
    expect(
      fluxObjectFromApi('Kustomization', 'n', 'k', { status: { conditions: [null, { status: 'True' }, 7] } }),
    ).toMatchObject({
      found: true,
      conditions: [],
    });
  });
});

describe('evaluateObject', () => {
  it('is ready with Ready=True on the current generation', () => {
    expect(evaluateObject(sourceReady)).toEqual({ state: 'ready' });
  });

  it('waits while the object is missing, has no Ready condition, or is reconciling', () => {
    expect(evaluateObject(status('GitRepository', null))).toEqual({ state: 'waiting', why: 'not found yet' });
    expect(evaluateObject(status('GitRepository', {}))).toEqual({ state: 'waiting', why: 'no Ready condition yet' });
    const progressing = status('GitRepository', {
      ready: { status: 'Unknown', reason: 'Progressing', message: 'reconciliation in progress' },
      reconciling: { reason: 'Progressing', message: 'building artifact' },
    });
    expect(evaluateObject(progressing).state).toBe('waiting');
  });

  it('waits when Ready describes an older generation, even when it says True', () => {
    const stale = status('GitRepository', {
      generation: 2,
      observedGeneration: 1,
      ready: { status: 'True', reason: 'Succeeded', message: 'stored artifact', observedGeneration: 1 },
      revision: REV,
    });
    expect(evaluateObject(stale)).toEqual({
      state: 'waiting',
      why: 'Ready describes an older generation (Succeeded: stored artifact)',
    });
  });

  it("fails with Flux's own reason and message when Ready=False on the current generation", () => {
    const failed = status('GitRepository', {
      ready: {
        status: 'False',
        reason: 'GitOperationFailed',
        message:
          "failed to checkout and determine revision: unable to clone 'https://git.example/x': authentication required",
      },
      reconciling: { reason: 'ProgressingWithRetry', message: 'retrying' },
    });
    expect(evaluateObject(failed)).toEqual({
      state: 'failed',
      reason: 'GitOperationFailed',
      message:
        "failed to checkout and determine revision: unable to clone 'https://git.example/x': authentication required",
    });
  });

  it('fails at once when Flux reports Stalled', () => {
    const stalled = status('Kustomization', {
      ready: { status: 'False', reason: 'InvalidPath', message: 'spec.path is invalid' },
      stalled: { reason: 'InvalidPath', message: "path '/abs' must be relative" },
    });
    expect(evaluateObject(stalled)).toEqual({
      state: 'failed',
      reason: 'InvalidPath',
      message: "path '/abs' must be relative",
    });
  });

  it('waits on DependencyNotReady', () => {
    const dependency = status('Kustomization', {
      ready: { status: 'False', reason: 'DependencyNotReady', message: "dependency 'flux-system/infra' is not ready" },
    });
    expect(evaluateObject(dependency, REV).state).toBe('waiting');
  });

  it('fails a suspended object that is not ready, since nothing will reconcile it', () => {
    expect(evaluateObject(status('Kustomization', { suspend: true }), REV)).toMatchObject({
      state: 'failed',
      reason: 'Suspended',
    });
  });
});

describe('evaluateFlux', () => {
  it('is ready when the source is ready and the Kustomization applied its revision', () => {
    const health = evaluateFlux(sourceReady, kustomizationReady);
    expect(health.state).toBe('ready');
    expect(health.objects.map((o) => o.readiness.state)).toEqual(['ready', 'ready']);
  });

  it('waits on a Kustomization still showing an older applied revision', () => {
    const old = status('Kustomization', {
      ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${OLD}` },
      revision: OLD,
      lastAttemptedRevision: OLD,
    });
    expect(evaluateFlux(sourceReady, old).state).toBe('waiting');
  });

  it('waits on ArtifactFailed while the source has no artifact yet (the normal first minute of a bootstrap)', () => {
    const fetching = status('GitRepository', {
      ready: { status: 'Unknown', reason: 'Progressing', message: 'building artifact' },
    });
    const noArtifact = status('Kustomization', {
      ready: { status: 'False', reason: 'ArtifactFailed', message: 'Source artifact not found, retrying in 30s' },
    });
    const health = evaluateFlux(fetching, noArtifact);
    expect(health.state).toBe('waiting');
    expect(health.failure).toBeUndefined();
  });

  it("fails with the Kustomization's reason once it attempted the source's revision", () => {
    const buildFailed = status('Kustomization', {
      ready: {
        status: 'False',
        reason: 'BuildFailed',
        message: 'kustomization path not found: stat /tmp/kustomization-1/clusters/dev: no such file or directory',
      },
      lastAttemptedRevision: REV,
    });
    const health = evaluateFlux(sourceReady, buildFailed);
    expect(health.state).toBe('failed');
    expect(health.failure?.reason).toBe('BuildFailed');
    expect(health.failure?.message).toMatch(/^kustomization path not found/);
    expect(health.failure?.object.kind).toBe('Kustomization');
  });

  it('waits on a failure left from an older revision while the new one is pending', () => {
    const oldFailure = status('Kustomization', {
      ready: {
        status: 'False',
        reason: 'HealthCheckFailed',
        message: 'timeout waiting for: [Deployment/apps/web status: InProgress]',
      },
      lastAttemptedRevision: OLD,
    });
    expect(evaluateFlux(sourceReady, oldFailure).state).toBe('waiting');
  });

  it('reports the source failure first', () => {
    const sourceFailed = status('GitRepository', {
      ready: { status: 'False', reason: 'GitOperationFailed', message: 'no such host' },
    });
    const health = evaluateFlux(sourceFailed, status('Kustomization', null));
    expect(health.failure).toMatchObject({ reason: 'GitOperationFailed', object: { kind: 'GitRepository' } });
  });
});

describe('renderHealthSection', () => {
  it('shows the outcome, revisions and every condition, with table cells escaped', () => {
    const pipe = status('GitRepository', {
      ready: { status: 'True', reason: 'Succeeded', message: 'stored | artifact' },
      revision: REV,
    });
    const health = evaluateFlux(pipe, kustomizationReady);
    const section = renderHealthSection({ outcome: 'ready', health, message: 'Flux is ready.', polls: 1 });
    expect(section).toContain('**Flux is ready.**');
    expect(section).toContain(`artifact \`${REV}\``);
    expect(section).toContain(`applied \`${REV}\`, attempted \`${REV}\``);
    expect(section).toContain('| Ready | True | Succeeded | stored \\| artifact |');
    expect(section).toContain('| Ready | True | ReconciliationSucceeded |');
  });
});
