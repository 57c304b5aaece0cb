// The action's one Kubernetes client, over @kubernetes/client-node: reading objects for the health wait, and asking
// the API server who the kubeconfig's identity is and what it may do, for the check before apply. Every request has
// one deadline for the whole exchange (connect, TLS, exec plugin excluded, headers, body). Failures waiting cannot fix
// (401, 403, an untrusted certificate, a failing exec plugin) are KubeAccessError, with the API server's reason.
import * as core from '@actions/core';
import type { ApiException, ConfigurationOptions, V1ResourceAttributes } from '@kubernetes/client-node';
import { constants as fsConstants, promises as fs } from 'node:fs';
import { KubeAccessError, KubeconfigError } from './errors.js';
import { performance } from 'node:perf_hooks';
import { loadKubeconfig, type KubernetesLibrary, type LoadedKubeconfig } from './kubeconfig.js';

export { KubeAccessError, KubeconfigError } from './errors.js';

/** An answer other than 2xx, 401 and 403: a 404, or a 5xx from the API server or a proxy in front of it. */
export class KubeHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface ObjectRef {
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
}

export interface KubeResponse {
  status: number;
  /** The object on 200; null when not found (or not JSON). */
  body: unknown;
}

export interface AccessAnswer {
  allowed: boolean;
  denied: boolean;
  /** The authorizer's reason, when it gave one. */
  reason?: string;
  evaluationError?: string;
}

export interface KubeClient {
  server: string;
  /** How the kubeconfig authenticates, in words ("exec plugin aws", "token"…). */
  authentication: string;
  getObject(ref: ObjectRef, timeoutMs: number): Promise<KubeResponse>;
  /** The identity the API server sees (SelfSubjectReview). */
  whoAmI(timeoutMs: number): Promise<{ username: string; groups: string[] }>;
  /** SelfSubjectAccessReview of one verb on one resource. */
  mayI(attributes: V1ResourceAttributes, timeoutMs: number): Promise<AccessAnswer>;
  close(): void;
}

// Node's codes for a server certificate that the kubeconfig's trust settings reject.
const TLS_TRUST =
  /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)/;

/** The message of a Kubernetes Status body (never a proxy's page: only JSON of kind Status), kept to one line. */
export function statusMessage(body: unknown): string | undefined {
  let status: unknown = body;
  if (typeof body === 'string') {
    try {
      status = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const s = status as { kind?: unknown; message?: unknown } | null;
  if (s?.kind !== 'Status' || typeof s.message !== 'string') return undefined;
  return s.message.replace(/\s+/g, ' ').slice(0, 500);
}

/** Pure: what a failed request means, as the error the callers act on. */
export function requestError(error: unknown, server: string, timeoutMs: number): Error {
  if (error instanceof KubeAccessError) return error;
  // First, since the deadline's DOMException carries a numeric code too (23, TIMEOUT_ERR), never an HTTP status.
  const timedOut = error as { name?: unknown; cause?: { name?: unknown } } | undefined;
  if (timedOut?.name === 'TimeoutError' || timedOut?.cause?.name === 'TimeoutError')
    return new Error(`cannot reach the Kubernetes API at ${server}: no answer within ${timeoutMs} ms`);
  // The library's ApiException carries the HTTP status as a number (Node's system errors have string codes).
  if (error instanceof Error && typeof (error as { code?: unknown }).code === 'number') {
    const code = (error as ApiException<unknown>).code;
    if (code === 401) return new KubeAccessError(`the Kubernetes API at ${server} refused the kubeconfig's credentials (HTTP 401).`); // prettier-ignore
    const why = statusMessage((error as ApiException<unknown>).body);
    if (code === 403) return new KubeAccessError(`the Kubernetes API at ${server} denied access (HTTP 403)${why ? `: ${why}` : ''}.`); // prettier-ignore
    return new KubeHttpError(`the Kubernetes API at ${server} answered HTTP ${code}${why ? `: ${why}` : ''}`, code);
  }
  type Coded = Error & { code?: string; cause?: Coded };
  const e = error as Coded;
  const cause: Coded = e?.cause ?? e;
  if (cause?.code && TLS_TRUST.test(cause.code)) {
    return new KubeAccessError(
      `the Kubernetes API at ${server} presented a certificate the kubeconfig does not trust (${cause.code}).`,
    );
  }
  return new Error(`cannot reach the Kubernetes API at ${server}: ${cause?.message ?? String(error)}`);
}

/** Per-request options: the deadline as an abort signal, set before the request leaves. */
function deadline(k8s: KubernetesLibrary, timeoutMs: number): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

export function kubeClient(k8s: KubernetesLibrary, loaded: LoadedKubeconfig): KubeClient {
  const server = loaded.cluster.server;
  const objects = loaded.config.makeApiClient(k8s.CustomObjectsApi);
  const authentication = loaded.config.makeApiClient(k8s.AuthenticationV1Api);
  const authorization = loaded.config.makeApiClient(k8s.AuthorizationV1Api);
  const call = async <T>(timeoutMs: number, request: (options: ConfigurationOptions) => Promise<T>): Promise<T> => {
    try {
      return await request(deadline(k8s, timeoutMs));
    } catch (error) {
      throw requestError(error, server, timeoutMs);
    }
  };
  return {
    server,
    authentication: loaded.authentication,
    async getObject(ref, timeoutMs) {
      try {
        const body: unknown = await call(timeoutMs, (o) => objects.getNamespacedCustomObject(ref, o));
        return { status: 200, body };
      } catch (error) {
        // 404 covers a missing object and a kind not served (yet); the others are the caller's to judge.
        if (error instanceof KubeHttpError) return { status: error.status, body: null };
        throw error;
      }
    },
    async whoAmI(timeoutMs) {
      const review = await call(
        timeoutMs,
        (o) =>
        authentication.createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }, o), // prettier-ignore
      );
      const info = review.status?.userInfo;
      return { username: info?.username ?? '', groups: info?.groups ?? [] };
    },
    async mayI(attributes, timeoutMs) {
      const review = await call(timeoutMs, (o) =>
        authorization.createSelfSubjectAccessReview(
          { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } } }, // prettier-ignore
          o,
        ),
      );
      const status = review.status;
      return {
        allowed: status?.allowed === true,
        denied: status?.denied === true,
        reason: status?.reason || undefined,
        evaluationError: status?.evaluationError || undefined,
      };
    },
    close: () => {},
  };
}

/** The client for the kubeconfig file the tfvars stage wrote; warnings (insecure-skip-tls-verify) go to the log. */
export async function kubeClientFromFile(file: string, env: NodeJS.ProcessEnv): Promise<KubeClient> {
  const k8s = await loadLibrary();
  const loaded = loadKubeconfig(k8s, await fs.readFile(file, 'utf8'), file, { env });
  // The library reads these files at each request: a missing one is named now, not retried as if the API were down.
  const files: [string, string | null | undefined][] = [
    ['certificate-authority', loaded.cluster.caFile],
    ['client-certificate', loaded.user.certFile],
    ['client-key', loaded.user.keyFile],
    ['tokenFile', (loaded.user.authProvider as { config?: { tokenFile?: string } } | undefined)?.config?.tokenFile],
  ];
  for (const [what, path] of files) {
    if (!path) continue;
    await fs.access(path, fsConstants.R_OK).catch((error: NodeJS.ErrnoException) => {
      throw new KubeconfigError(`Input 'kubeconfig': its ${what} file "${path}" cannot be read (${error.code}).`);
    });
  }
  for (const warning of loaded.warnings) core.warning(warning);
  return kubeClient(k8s, loaded);
}

// Imported on first use, so that ncc bundles it as a chunk of its own: most runs (pull requests, runs without
// changes) never reach the cluster and start without its ~19 MB of generated API code.
let library: Promise<KubernetesLibrary> | undefined;
function loadLibrary(): Promise<KubernetesLibrary> {
  return (library ??= (async () => {
    const started = performance.now();
    const k8s = await import('@kubernetes/client-node');
    core.debug(`loaded @kubernetes/client-node in ${(performance.now() - started).toFixed(1)} ms`);
    return k8s;
  })());
}
