// Pure reading of a kubeconfig into what an HTTPS client needs: the server, how to trust it, and how to authenticate.
// Supported: certificate-authority(-data) or insecure-skip-tls-verify; token, tokenFile, client-certificate(-data) +
// client-key(-data), or username/password. Exec plugins and auth providers run programs the action does not install,
// so they are refused with a message saying what to use instead. Error messages never quote the file's content.
import { parse as parseYaml } from 'yaml';

export class KubeconfigError extends Error {}

/** A credential or certificate, inline (already decoded) or as a path relative to the kubeconfig's directory. */
export type Material = { data: string } | { file: string };

export interface KubeTarget {
  context: string;
  server: string;
  insecureSkipTlsVerify: boolean;
  certificateAuthority?: Material;
  tlsServerName?: string;
  clientCertificate?: Material;
  clientKey?: Material;
  token?: Material;
  basic?: { username: string; password: string };
}

type Entry = Record<string, unknown>;

function fail(message: string): never {
  throw new KubeconfigError(`Input 'kubeconfig': ${message}`);
}

function findNamed(list: unknown, name: string, key: string, what: string): Entry {
  const item = Array.isArray(list) ? (list as Entry[]).find((i) => i?.name === name) : undefined;
  const value = item?.[key];
  if (!value || typeof value !== 'object')
    fail(`the current context refers to ${what} "${name}", which is not defined.`);
  return value as Entry;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function material(entry: Entry, dataKey: string, fileKey: string): Material | undefined {
  const data = text(entry[dataKey]);
  if (data) return { data: Buffer.from(data, 'base64').toString('utf8') };
  const file = text(entry[fileKey]);
  return file ? { file } : undefined;
}

export function parseKubeconfig(content: string): KubeTarget {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch {
    fail('is not valid YAML (its content is not shown because it is a secret).');
  }
  if (!doc || typeof doc !== 'object') fail('is not a kubeconfig mapping (apiVersion, clusters, users, contexts).');
  const config = doc as Entry;
  const contexts = Array.isArray(config.contexts) ? (config.contexts as Entry[]) : [];
  const contextName = text(config['current-context']) ?? (contexts.length === 1 ? text(contexts[0]?.name) : undefined);
  if (!contextName) fail('has no current-context (and not exactly one context to default to).');
  const context = findNamed(config.contexts, contextName, 'context', 'context');
  const cluster = findNamed(config.clusters, text(context.cluster) ?? '', 'cluster', 'cluster');
  const user = text(context.user) ? findNamed(config.users, text(context.user)!, 'user', 'user') : {};

  const server = text(cluster.server);
  // Credentials travel in every request: plain http is refused rather than sending them in the clear.
  if (!server || !server.startsWith('https://')) fail(`cluster "${String(context.cluster)}" has no https:// server.`);
  if (user.exec || user['auth-provider']) {
    fail(
      `user "${String(context.user)}" authenticates through an exec plugin or auth provider, which the action cannot run; ` +
        'use a kubeconfig with a token or a client certificate (for example a service account token).',
    );
  }
  const username = text(user.username);
  const password = text(user.password);
  return {
    context: contextName,
    server: server.replace(/\/+$/, ''),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    certificateAuthority: material(cluster, 'certificate-authority-data', 'certificate-authority'),
    tlsServerName: text(cluster['tls-server-name']),
    clientCertificate: material(user, 'client-certificate-data', 'client-certificate'),
    clientKey: material(user, 'client-key-data', 'client-key'),
    token: text(user.token)
      ? { data: text(user.token)! }
      : text(user.tokenFile)
        ? { file: text(user.tokenFile)! }
        : undefined,
    basic: username && password ? { username, password } : undefined,
  };
}
