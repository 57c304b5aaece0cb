// The Kubernetes API edge: GET requests over HTTPS with the kubeconfig's trust and credentials, nothing else.
// Certificates and keys referenced by path are read relative to the kubeconfig's directory, as kubectl does.
import { promises as fs } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { KubeconfigError, parseKubeconfig, type KubeTarget, type Material } from './kubeconfig.js';

export interface KubeResponse {
  status: number;
  body: unknown;
}

export interface KubeClient {
  server: string;
  get(apiPath: string, timeoutMs: number): Promise<KubeResponse>;
  close(): void;
}

/** A failure that retrying cannot fix (TLS trust, refused credentials): the health wait stops on it. */
export class KubeAccessError extends Error {}

async function load(material: Material | undefined, baseDir: string, what: string): Promise<string | undefined> {
  if (!material) return undefined;
  if ('data' in material) return material.data;
  try {
    return await fs.readFile(path.resolve(baseDir, material.file), 'utf8');
  } catch (error) {
    throw new KubeconfigError(
      `Input 'kubeconfig': its ${what} file "${material.file}" cannot be read (${(error as NodeJS.ErrnoException).code}).`,
    );
  }
}

export async function kubeClientFromFile(kubeconfigPath: string): Promise<KubeClient> {
  const target = parseKubeconfig(await fs.readFile(kubeconfigPath, 'utf8'));
  return kubeClient(target, path.dirname(kubeconfigPath));
}

export async function kubeClient(target: KubeTarget, baseDir: string): Promise<KubeClient> {
  const [ca, cert, key, token] = await Promise.all([
    load(target.certificateAuthority, baseDir, 'certificate-authority'),
    load(target.clientCertificate, baseDir, 'client-certificate'),
    load(target.clientKey, baseDir, 'client-key'),
    load(target.token, baseDir, 'tokenFile'),
  ]);
  const agent = new https.Agent({
    keepAlive: true,
    ca,
    cert,
    key,
    servername: target.tlsServerName,
    rejectUnauthorized: !target.insecureSkipTlsVerify,
  });
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token.trim()}`;
  else if (target.basic) {
    headers.Authorization = `Basic ${Buffer.from(`${target.basic.username}:${target.basic.password}`).toString('base64')}`;
  }
  return {
    server: target.server,
    get: (apiPath, timeoutMs) => request(new URL(target.server + apiPath), agent, headers, timeoutMs),
    close: () => agent.destroy(),
  };
}

// Node's codes for a server certificate that the kubeconfig's trust settings reject.
const TLS_TRUST =
  /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID)/;

function request(
  url: URL,
  agent: https.Agent,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      // A connection closed in the middle of the body ends neither in 'end' nor in a request error: without this
      // the promise never settles and the wait hangs past its deadline.
      res.on('error', (error) =>
        reject(
          new Error(`cannot reach the Kubernetes API at ${url.origin}: its answer was cut off (${error.message})`),
        ),
      );
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        let parsed: unknown = null;
        try {
          parsed = body === '' ? null : JSON.parse(body);
        } catch {
          // A proxy's HTML error page: the status code alone decides what happens next.
        }
        if (status === 401) {
          reject(
            new KubeAccessError(`the Kubernetes API at ${url.origin} refused the kubeconfig's credentials (HTTP 401).`),
          );
          return;
        }
        if (status === 403) {
          // Authenticated but not allowed: the API server's Status names the identity and the permission it lacks.
          const why = statusMessage(parsed);
          reject(
            new KubeAccessError(
              `the Kubernetes API at ${url.origin} denied access (HTTP 403)${why ? `: ${why}` : ''}.`,
            ),
          );
          return;
        }
        resolve({ status, body: parsed });
      });
    });
    // One deadline for the whole exchange (connect, TLS, headers, body). Not the socket's idle timeout: that restarts
    // on every byte, and a server frozen in the TLS handshake trips it only after twice its value.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code && TLS_TRUST.test(error.code)) {
        reject(
          new KubeAccessError(
            `the Kubernetes API at ${url.origin} presented a certificate the kubeconfig does not trust (${error.code}).`,
          ),
        );
      } else reject(new Error(`cannot reach the Kubernetes API at ${url.origin}: ${error.message}`));
    });
  });
}

/** The message of a Kubernetes Status body (never a proxy's page: only JSON of kind Status), kept to one line. */
function statusMessage(body: unknown): string | undefined {
  const status = body as { kind?: unknown; message?: unknown } | null;
  if (status?.kind !== 'Status' || typeof status.message !== 'string') return undefined;
  return status.message.replace(/\s+/g, ' ').slice(0, 500);
}
