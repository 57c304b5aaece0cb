// Exec credential plugins (aws eks get-token, gke-gcloud-auth-plugin, kubelogin, doctl…), run as kubectl runs them
// (client.authentication.k8s.io, "exec" in the kubeconfig): the kubeconfig's command, args and env, the plugin told
// through KUBERNETES_EXEC_INFO that no terminal is attached, its ExecCredential cached until it expires. Unlike the
// library's own runner it starts from the tools' environment, never the action's inputs, and its failure names the
// plugin and quotes what the plugin printed on stderr, which is where plugins explain themselves.
import * as core from '@actions/core';
import type { Cluster, KubeConfig, User } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type https from 'node:https';
import { runProcess } from '../process.js';
import { KubeAccessError, KubeconfigError } from './errors.js';

/** The library's Authenticator (not exported by name): what KubeConfig.addAuthenticator takes. */
type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];

export interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo: boolean;
  installHint?: string;
}

const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
const MODES = ['Never', 'IfAvailable', 'Always'] as const;
/** A plugin that has not answered by then is waiting for something that will not come (a browser, a prompt). */
export const PLUGIN_TIMEOUT_MS = 60_000;

/** Pure: the `exec` entry of user `name`, checked; refuses a plugin that needs a terminal, which runners lack. */
export function readExecConfig(raw: unknown, name: string): ExecConfig {
  const fail = (why: string): never => {
    throw new KubeconfigError(`Input 'kubeconfig': user "${name}" has an exec plugin ${why}`);
  };
  if (!raw || typeof raw !== 'object') return fail('that is not a mapping.');
  const exec = raw as Record<string, unknown>;
  if (typeof exec.command !== 'string' || exec.command === '') return fail('without a command.');
  if (typeof exec.apiVersion !== 'string' || !API_VERSIONS.includes(exec.apiVersion))
    return fail(`with apiVersion "${String(exec.apiVersion)}"; accepted: ${API_VERSIONS.join(', ')}.`);
  const mode = exec.interactiveMode ?? 'IfAvailable';
  if (!MODES.includes(mode as ExecConfig['interactiveMode']))
    return fail(`with interactiveMode ${JSON.stringify(mode)}; accepted: ${MODES.join(', ')}.`);
  if (mode === 'Always') {
    return fail(
      `("${exec.command}") with interactiveMode Always: it needs a terminal, and a workflow run has none. Use ` +
        'a non-interactive login (a service principal, workload identity or a CI role).',
    );
  }
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env: Record<string, string> = {};
  for (const item of Array.isArray(exec.env) ? (exec.env as Record<string, unknown>[]) : []) {
    if (typeof item?.name === 'string') env[item.name] = typeof item.value === 'string' ? item.value : '';
  }
  return {
    apiVersion: exec.apiVersion,
    command: exec.command,
    args,
    env,
    interactiveMode: mode as ExecConfig['interactiveMode'],
    provideClusterInfo: exec.provideClusterInfo === true,
    installHint: typeof exec.installHint === 'string' ? exec.installHint.trim() : undefined,
  };
}

/** Pure: KUBERNETES_EXEC_INFO, the ExecCredential input kubectl gives a plugin (interactive: false: no terminal). */
export function execInfo(exec: ExecConfig, cluster: Cluster, caPem?: string): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    spec.cluster = {
      server: cluster.server,
      'tls-server-name': cluster.tlsServerName,
      'insecure-skip-tls-verify': cluster.skipTLSVerify,
      'certificate-authority-data': caPem ? Buffer.from(caPem).toString('base64') : cluster.caData,
      'proxy-url': cluster.proxyUrl,
    };
  }
  return JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
}

export interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

/** Pure: the credential in a plugin's stdout, or why it is not one (never quoting it: it is a secret). */
export function parseExecCredential(stdout: string, exec: ExecConfig): ExecCredentialStatus {
  const fail = (why: string): never => {
    throw new KubeAccessError(`the kubeconfig's exec plugin "${exec.command}" ${why}`);
  };
  let parsed: { apiVersion?: unknown; kind?: unknown; status?: ExecCredentialStatus };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    return fail('printed something that is not an ExecCredential (not JSON).');
  }
  if (parsed?.kind !== 'ExecCredential') return fail('printed JSON that is not an ExecCredential.');
  if (parsed.apiVersion !== exec.apiVersion)
    return fail(`answered in ${String(parsed.apiVersion)}, not the kubeconfig's ${exec.apiVersion}.`);
  const status = parsed.status ?? {};
  if (!status.token && !(status.clientCertificateData && status.clientKeyData))
    return fail('printed an ExecCredential without a token or a client certificate and key.');
  return status;
}

/** The library Authenticator for one user: runs the plugin when no unexpired credential is cached. */
export function execPluginAuthenticator(
  exec: ExecConfig,
  userName: string,
  cluster: Cluster,
  baseEnv: NodeJS.ProcessEnv,
): Authenticator {
  let cached: ExecCredentialStatus | undefined;
  let running: Promise<ExecCredentialStatus> | undefined;
  const fresh = (c: ExecCredentialStatus | undefined): c is ExecCredentialStatus =>
    c !== undefined && (!c.expirationTimestamp || Date.parse(c.expirationTimestamp) > Date.now() + 10_000);
  const run = async (): Promise<ExecCredentialStatus> => {
    const caPem = exec.provideClusterInfo && cluster.caFile ? readFileSync(cluster.caFile, 'utf8') : undefined;
    const env = { ...baseEnv, ...exec.env, KUBERNETES_EXEC_INFO: execInfo(exec, cluster, caPem) };
    let result;
    try {
      result = await runProcess(exec.command, exec.args, {
        cwd: process.cwd(),
        env,
        echo: false,
        timeoutMs: PLUGIN_TIMEOUT_MS,
      });
    } catch (error) {
      const hint = exec.installHint ? ` ${exec.installHint}` : '';
      throw new KubeAccessError(`the kubeconfig's exec plugin could not run: ${(error as Error).message}.${hint}`);
    }
    if (result.timedOut) {
      throw new KubeAccessError(
        `the kubeconfig's exec plugin "${exec.command}" gave no credential within ${PLUGIN_TIMEOUT_MS / 1000} s.`,
      );
    }
    if (result.exitCode !== 0) {
      const stderr = result.stderr.trim().slice(-2000) || '(nothing on stderr)';
      throw new KubeAccessError(
        `the kubeconfig's exec plugin "${exec.command}" failed (exit ${result.exitCode}): ${stderr}`,
      );
    }
    const credential = parseExecCredential(result.stdout, exec);
    // Never printed by the action, but a provider's debug output could: the runner masks it from here on.
    for (const secret of [credential.token, credential.clientKeyData]) if (secret) core.setSecret(secret);
    return credential;
  };
  return {
    isAuthProvider: (user: User) => user.name === userName,
    async applyAuthentication(_user: User, opts: https.RequestOptions) {
      // Requests made together (the health wait reads two objects at once) share one run of the plugin.
      if (!fresh(cached)) cached = await (running ??= run().finally(() => (running = undefined)));
      if (cached.clientCertificateData && cached.clientKeyData) {
        opts.cert = cached.clientCertificateData;
        opts.key = cached.clientKeyData;
      }
      if (cached.token) opts.headers = { ...opts.headers, Authorization: `Bearer ${cached.token}` };
    },
  };
}
