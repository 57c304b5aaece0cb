// Reads the kubeconfig input with @kubernetes/client-node, then settles what the library leaves open, as kubectl
// would: kubectl's own `tokenFile` key (the library reads only `token-file`, relative to the working directory),
// paths relative to the kubeconfig's directory, and exec plugins, which run through exec-plugin.ts instead of the
// library's runner (that one hands the plugin the action's whole environment, inputs included, and never tells it
// that no terminal is attached). Refused: plain http (credentials would travel in the clear), auth providers that
// kubectl and OpenTofu's providers dropped (gcp, azure), and exec plugins that demand a terminal. Error messages
// never quote the file's content.
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { KubeconfigError } from './errors.js';
import { execPluginAuthenticator, readExecConfig, type ExecConfig } from './exec-plugin.js';

export interface LoadedKubeconfig {
  config: KubeConfig;
  context: string;
  cluster: Cluster;
  user: User;
  /** How the user authenticates, in words for the log ("exec plugin aws", "token", "client certificate"…). */
  authentication: string;
  exec?: ExecConfig;
  /** Things a user should know, such as insecure-skip-tls-verify. */
  warnings: string[];
}

/** The library, loaded on first use (client.ts): a run that never reaches the cluster never pays for it. */
export type KubernetesLibrary = typeof import('@kubernetes/client-node');

export interface LoadOptions {
  /** The environment an exec plugin starts from (the tools' environment: never the action's inputs). */
  env: NodeJS.ProcessEnv;
}

type Entry = Record<string, unknown>;

function fail(message: string): never {
  throw new KubeconfigError(`Input 'kubeconfig': ${message}`);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const absolute = (dir: string, file: string | undefined): string | undefined =>
  file === undefined ? undefined : path.resolve(dir, file);

function describeAuth(user: User, exec: ExecConfig | undefined): string {
  if (exec) return `exec plugin ${path.basename(exec.command)}`;
  if (user.token) return 'token';
  const provider = (user.authProvider as { name?: string } | undefined)?.name;
  if (provider === 'tokenFile') return 'token file';
  if (user.certData || user.certFile) return 'client certificate';
  if (user.username) return 'username and password';
  if (provider === 'oidc') return 'OIDC auth provider';
  return 'no credentials';
}

/** Reads no file: loads `content` (the file at `file`) into a library KubeConfig for its context. */
export function loadKubeconfig(
  k8s: KubernetesLibrary,
  content: string,
  file: string,
  options: LoadOptions,
): LoadedKubeconfig {
  let doc: unknown;
  try {
    doc = parseYaml(content);
  } catch {
    fail('is not valid YAML (its content is not shown because it is a secret).');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    fail('is not a kubeconfig mapping (apiVersion, clusters, users, contexts).');
  const raw = doc as Entry;
  const contexts = Array.isArray(raw.contexts) ? (raw.contexts as Entry[]) : [];
  // kubectl needs current-context; a kubeconfig with a single context is unambiguous, so it is used.
  const contextName = text(raw['current-context']) ?? (contexts.length === 1 ? text(contexts[0]?.name) : undefined);
  if (!contextName) fail('has no current-context (and not exactly one context to default to).');

  const config = new k8s.KubeConfig();
  try {
    config.loadFromString(JSON.stringify({ ...raw, 'current-context': contextName }));
  } catch (error) {
    fail(`cannot be read: ${(error as Error).message}.`);
  }
  const context = config.getContextObject(contextName);
  if (!context) fail(`the current context "${contextName}" is not defined.`);
  const cluster = config.getCluster(context.cluster);
  if (!cluster) fail(`the current context refers to cluster "${context.cluster}", which is not defined.`);
  if (!cluster.server.startsWith('https://')) fail(`cluster "${cluster.name}" has no https:// server.`);
  const rawUsers = Array.isArray(raw.users) ? (raw.users as Entry[]) : [];
  const rawUser = (rawUsers.find((u) => u?.name === context.user)?.user ?? {}) as Entry;
  const libraryUser = context.user ? config.getUser(context.user) : null;
  if (context.user && !libraryUser) fail(`the current context refers to user "${context.user}", which is not defined.`);

  const provider = (rawUser['auth-provider'] as Entry | undefined)?.name;
  if (provider !== undefined && provider !== 'oidc') {
    fail(
      `user "${context.user}" uses the auth provider ${JSON.stringify(provider)}, which kubectl and OpenTofu's Kubernetes ` +
        'providers no longer support; use its exec plugin instead (gke-gcloud-auth-plugin for GKE, kubelogin for AKS).',
    );
  }
  const exec = rawUser.exec === undefined ? undefined : readExecConfig(rawUser.exec, String(context.user));
  const dir = path.dirname(file);
  const tokenFile = text(rawUser.tokenFile);
  const user: User = {
    ...(libraryUser ?? { name: '' }),
    certFile: absolute(dir, libraryUser?.certFile ?? undefined),
    keyFile: absolute(dir, libraryUser?.keyFile ?? undefined),
    // The plugin runs through the authenticator added below, which the library consults only when none of its own
    // claims the user: its exec runner would, were `exec` left here.
    exec: undefined,
    // kubectl: a token wins over tokenFile. The library's FileAuth re-reads the file every minute, as client-go does.
    authProvider:
      !libraryUser?.token && tokenFile
        ? { name: 'tokenFile', config: { tokenFile: absolute(dir, tokenFile) } }
        : (libraryUser?.authProvider as unknown),
  };
  const resolvedCluster: Cluster = { ...cluster, caFile: absolute(dir, cluster.caFile ?? undefined) };
  config.loadFromOptions({
    clusters: [resolvedCluster],
    users: [user],
    contexts: [{ ...context, user: user.name }],
    currentContext: context.name,
  });
  if (exec) config.addAuthenticator(execPluginAuthenticator(exec, user.name, resolvedCluster, options.env));

  const warnings: string[] = [];
  if (cluster.skipTLSVerify) {
    warnings.push(
      `Input 'kubeconfig': cluster "${cluster.name}" sets insecure-skip-tls-verify: the API server's certificate is ` +
        'not checked, so anyone between the runner and the cluster can read the credentials. Give its CA instead.',
    );
  }
  return {
    config,
    context: context.name,
    cluster: resolvedCluster,
    user,
    authentication: describeAuth(user, exec),
    exec,
    warnings,
  };
}
