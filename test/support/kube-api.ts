// A Kubernetes API stand-in: a real HTTPS server on 127.0.0.1 with a CA, server and client certificates made by
// openssl at test time. It serves Flux GitRepository and Kustomization objects from scripted sequences (each GET
// of an object returns the next state; the last one repeats), authenticates bearer tokens, basic auth and client
// certificates like the API server, and records every request.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';

export interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: a kubeconfig trusting it must fail TLS verification. */
  otherCa: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKeyRequest(cwd: string, name: string, subject: string): void {
  openssl(
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      subject,
    ]),
    cwd,
  );
}

function newCa(cwd: string, name: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-subj',
      `/CN=${name}`,
    ]),
    cwd,
  );
}

function sign(cwd: string, name: string, extensions: string): void {
  writeFileSync(path.join(cwd, `${name}.ext`), extensions);
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'].concat(
      ['-out', `${name}.crt`, '-extfile', `${name}.ext`],
    ),
    cwd,
  );
}

export function makeCertificates(): Certificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kube-certs-'));
  newCa(dir, 'ca');
  newCa(dir, 'other-ca');
  newKeyRequest(dir, 'server', '/CN=kube-apiserver');
  sign(dir, 'server', 'subjectAltName=IP:127.0.0.1,DNS:kubernetes.test\nextendedKeyUsage=serverAuth\n');
  newKeyRequest(dir, 'client', '/CN=flux-bootstrap/O=system:masters');
  sign(dir, 'client', 'extendedKeyUsage=clientAuth\n');
  const read = (file: string): string => readFileSync(path.join(dir, file), 'utf8');
  return {
    dir,
    ca: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    otherCa: read('other-ca.crt'),
  };
}

export type FluxKind = 'GitRepository' | 'Kustomization';

export interface ObjectState {
  ready?: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string; observedGeneration?: number };
  stalled?: { reason: string; message: string };
  reconciling?: { reason: string; message: string };
  /** GitRepository: status.artifact.revision; Kustomization: status.lastAppliedRevision. */
  revision?: string;
  lastAttemptedRevision?: string;
  generation?: number;
  observedGeneration?: number;
  suspend?: boolean;
}

/** One scripted answer: an object state, `null` for 404, or an HTTP error status. */
/** A revision Flux reports, and the Ready states of a GitRepository and a Kustomization that reconciled it. */
export const READY_REVISION = 'main@sha1:4f1c2b0e6f1d2a3b4c5d6e7f8091a2b3c4d5e6f7';
export const sourceReady: ObjectState = {
  ready: { status: 'True', reason: 'Succeeded', message: `stored artifact for revision '${READY_REVISION}'` },
  revision: READY_REVISION,
};
export const kustomizationReady: ObjectState = {
  ready: { status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${READY_REVISION}` },
  revision: READY_REVISION,
  lastAttemptedRevision: READY_REVISION,
};

export type Scripted = ObjectState | null | { httpStatus: number };

const GROUPS: Record<FluxKind, { group: string; plural: string }> = {
  GitRepository: { group: 'source.toolkit.fluxcd.io', plural: 'gitrepositories' },
  Kustomization: { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' },
};

const condition = (type: string, status: string, reason: string, message: string, observedGeneration: number) => ({
  type,
  status,
  reason,
  message,
  observedGeneration,
  lastTransitionTime: '2026-11-20T10:00:00Z',
});

/** The object as the API server returns it, in Flux's v1 shape. */
export function fluxObject(
  kind: FluxKind,
  namespace: string,
  name: string,
  state: ObjectState,
): Record<string, unknown> {
  const generation = state.generation ?? 1;
  const observed = state.observedGeneration ?? generation;
  const conditions = [];
  if (state.ready) {
    const r = state.ready;
    conditions.push(condition('Ready', r.status, r.reason, r.message, r.observedGeneration ?? observed));
  }
  if (state.stalled)
    conditions.push(condition('Stalled', 'True', state.stalled.reason, state.stalled.message, observed));
  if (state.reconciling) {
    conditions.push(condition('Reconciling', 'True', state.reconciling.reason, state.reconciling.message, observed));
  }
  const status: Record<string, unknown> = { observedGeneration: observed, conditions };
  if (kind === 'GitRepository' && state.revision) {
    status.artifact = {
      revision: state.revision,
      digest: 'sha256:00',
      path: `gitrepository/${namespace}/${name}/x.tar.gz`,
    };
  }
  if (kind === 'Kustomization') {
    if (state.revision) status.lastAppliedRevision = state.revision;
    if (state.lastAttemptedRevision) status.lastAttemptedRevision = state.lastAttemptedRevision;
  }
  return {
    apiVersion: `${GROUPS[kind].group}/v1`,
    kind,
    metadata: { name, namespace, generation },
    spec: { interval: '1m', suspend: state.suspend ?? false },
    status,
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  auth: 'token' | 'basic' | 'client-certificate' | 'none';
}

export interface KubeApi {
  url: string;
  certs: Certificates;
  token: string;
  basic: { username: string; password: string };
  requests: RecordedRequest[];
  script(kind: FluxKind, namespace: string, name: string, answers: Scripted[]): void;
  /** How many times an object was read. */
  reads(kind: FluxKind, namespace: string, name: string): number;
  close(): Promise<void>;
}

function authOf(
  req: import('node:http').IncomingMessage,
  api: Pick<KubeApi, 'token' | 'basic'>,
): RecordedRequest['auth'] {
  const header = req.headers.authorization ?? '';
  if (header === `Bearer ${api.token}`) return 'token';
  const basic = Buffer.from(`${api.basic.username}:${api.basic.password}`).toString('base64');
  if (header === `Basic ${basic}`) return 'basic';
  if ((req.socket as TLSSocket).authorized) return 'client-certificate';
  return 'none';
}

export async function startKubeApi(certs: Certificates = makeCertificates()): Promise<KubeApi> {
  const scripts = new Map<string, { answers: Scripted[]; reads: number }>();
  const key = (kind: FluxKind, ns: string, name: string): string => `${GROUPS[kind].plural}/${ns}/${name}`;
  const api = {
    token: 'kube-token-s3cr3t-0123456789',
    basic: { username: 'admin', password: 'basic-pa55word-9876' },
    requests: [] as RecordedRequest[],
  };
  const server = https.createServer(
    { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const auth = authOf(req, api);
      api.requests.push({ method: req.method ?? '', path: req.url ?? '', auth });
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      };
      if (auth === 'none') return send(401, { kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
      // The check before apply: every identity here is an administrator, as the stand-in's only user.
      if (req.method === 'POST' && /^\/apis\/authentication\.k8s\.io\/v1\/selfsubjectreviews/.test(req.url ?? ''))
        return send(201, { kind: 'SelfSubjectReview', status: { userInfo: { username: 'standin-admin', groups: ['system:masters'] } } }); // prettier-ignore
      if (req.method === 'POST' && /^\/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews/.test(req.url ?? ''))
        return send(201, { kind: 'SelfSubjectAccessReview', status: { allowed: true } });
      const match = /^\/apis\/([^/]+)\/v1\/namespaces\/([^/]+)\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
      const entry = match && req.method === 'GET' ? scripts.get(`${match[3]}/${match[2]}/${match[4]}`) : undefined;
      if (!entry || entry.answers.length === 0) {
        return send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
      }
      const answer = entry.answers[Math.min(entry.reads, entry.answers.length - 1)]!;
      entry.reads++;
      if (answer === null) return send(404, { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
      if ('httpStatus' in answer)
        return send(answer.httpStatus, { kind: 'Status', status: 'Failure', code: answer.httpStatus });
      const kind = (Object.keys(GROUPS) as FluxKind[]).find((k) => GROUPS[k].plural === match![3])!;
      return send(200, fluxObject(kind, match![2]!, match![4]!, answer));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...api,
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certs,
    script: (kind, ns, name, answers) => scripts.set(key(kind, ns, name), { answers, reads: 0 }),
    reads: (kind, ns, name) => scripts.get(key(kind, ns, name))?.reads ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type KubeconfigAuth =
  'token' | 'token-file' | 'client-certificate-data' | 'client-certificate-file' | 'basic' | 'none';
export type KubeconfigTrust = 'ca-data' | 'ca-file' | 'insecure' | 'wrong-ca' | 'system';

/** A kubeconfig pointing at the stand-in with one of the supported forms; files it names are written to `dir`. */
export async function kubeconfigFor(
  api: KubeApi,
  options: { auth: KubeconfigAuth; trust: KubeconfigTrust; dir: string },
): Promise<string> {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const write = async (name: string, content: string): Promise<string> => {
    await fs.writeFile(path.join(options.dir, name), content, { mode: 0o600 });
    return name; // relative: kubectl resolves it against the kubeconfig's directory
  };
  const cluster: Record<string, unknown> = { server: api.url };
  if (options.trust === 'ca-data') cluster['certificate-authority-data'] = b64(api.certs.ca);
  if (options.trust === 'ca-file') cluster['certificate-authority'] = await write('ca.crt', api.certs.ca);
  if (options.trust === 'insecure') cluster['insecure-skip-tls-verify'] = true;
  if (options.trust === 'wrong-ca') cluster['certificate-authority-data'] = b64(api.certs.otherCa);
  const user: Record<string, unknown> = {};
  if (options.auth === 'token') user.token = api.token;
  if (options.auth === 'token-file') user.tokenFile = await write('token', `${api.token}\n`);
  if (options.auth === 'basic') Object.assign(user, api.basic);
  if (options.auth === 'client-certificate-data') {
    user['client-certificate-data'] = b64(api.certs.clientCert);
    user['client-key-data'] = b64(api.certs.clientKey);
  }
  if (options.auth === 'client-certificate-file') {
    user['client-certificate'] = await write('client.crt', api.certs.clientCert);
    user['client-key'] = await write('client.key', api.certs.clientKey);
  }
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'standin', cluster }],
    users: [{ name: 'ci', user }],
    contexts: [{ name: 'standin', context: { cluster: 'standin', user: 'ci' } }],
    'current-context': 'standin',
  });
}
