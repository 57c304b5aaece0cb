// Pure rendering of the job summary sections; the inputs table is shown, collapsed, in the comment too. Secret inputs
// never reach this module as values: it is given the parsed inputs and prints only whether a secret was set.
import type { ActionInputs } from '../inputs/schema.js';
import { tableCell } from './comment-markdown.js';

const set = (value: unknown): string => (value ? 'set (masked)' : 'not set');

/** The table of every input and its value (secrets only as set or not), for the job summary and the comment. */
export function renderInputsTable(inputs: ActionInputs): string {
  const git: Record<string, string | undefined> = inputs.gitCredentials?.data ?? {};
  const rows: [string, string][] = [
    ['install', String(inputs.install)],
    ['git-url', inputs.git.url ?? ''],
    ['git-branch', inputs.git.branch],
    ['git-path', inputs.git.path],
    ['git-secret-name', inputs.git.secretName ?? ''],
    ['git-username', git.password ? git.username! : ''],
    ['git-password', set(git.password)],
    ['git-ssh-private-key', set(git.identity)],
    ['git-ssh-known-hosts', git.known_hosts ? 'set' : 'not set'],
    ['git-ca-certificate', git['ca.crt'] ? 'set' : 'not set'],
    ['git-credentials-revision', inputs.gitCredentials ? String(inputs.gitCredentials.revision) : ''],
    ['flux-namespace', inputs.fluxNamespace],
    ['reconcile-interval', inputs.reconcileInterval],
    ['prune', String(inputs.prune)],
    ['chart-version', inputs.chartVersion ?? '(module default)'],
    ['chart-repository', inputs.chartRepository ?? '(fluxcd-community)'],
    ['helm-values-files', inputs.helmValuesFiles.join(', ')],
    ['working-directory', inputs.workingDirectory ?? '(shipped modules/root)'],
    ['backend', inputs.backend ?? '(declared by working-directory)'],
    ['backend-config', inputs.backendConfig.map((b) => b.key).join(', ')],
    ['kubeconfig', set(inputs.kubeconfig)],
    ['digitalocean-token', set(inputs.digitaloceanToken)],
    ['cluster-name', inputs.clusterName ?? ''],
    ['policy-path', inputs.policyPath ?? '(shipped policy/)'],
    ['policy-data', inputs.policyData.join(', ')],
    ['multitenancy', String(inputs.multitenancy)],
    ['tool-mirror-url', inputs.toolMirrorUrl ?? ''],
    ['target', inputs.target ?? '(default)'],
    ['accept-apply', String(inputs.acceptApply)],
    ['require-reviewed-plan', String(inputs.requireReviewedPlan)],
    ['allow-local-state', String(inputs.allowLocalState)],
    ['health-timeout', `${inputs.healthTimeoutSeconds}s`],
    ['comment', String(inputs.comment)],
    ['drift-issue', String(inputs.driftIssue)],
    ['github-token', set(inputs.githubToken)],
  ];
  const body = rows.map(([name, value]) => `| \`${name}\` | ${tableCell(value)} |`).join('\n');
  return `| input | value |\n| --- | --- |\n${body}`;
}

export interface ToolLine {
  name: string;
  version: string;
  archiveSha256: string;
  fromCache: boolean;
}

export function renderToolsSection(tools: ToolLine[]): string {
  const rows = tools
    .map(
      (t) =>
        `| ${t.name} | ${t.version} | \`${t.archiveSha256}\` | ${t.fromCache ? 'tool cache (re-hashed)' : 'downloaded and verified'} |`,
    )
    .join('\n');
  return `### Tools\n\n| tool | version | verified archive SHA-256 | source |\n| --- | --- | --- | --- |\n${rows}\n`;
}
