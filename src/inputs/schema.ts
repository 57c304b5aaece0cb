// Pure parsing of the action's raw string inputs into ActionInputs. Every input is checked once, here, before any
// tool runs; each bad input yields one InputError that names it, shows the value (unless secret) and says what is
// accepted.
import { z } from 'zod';
import type { VersionSpec } from '../tools/version-spec.js';
import {
  boolean,
  healthTimeout,
  helmValues,
  kubeconfig,
  lineList,
  optionalText,
  textWithDefault,
  versionSpec,
  type Field,
} from './fields.js';
import { checkGitCredentials, gitCredentialFields, gitCredentials, type GitCredentials } from './git-credentials.js';
import * as rules from './rules.js';

export const SECRET_INPUTS = [
  'kubeconfig',
  'digitalocean-token',
  'github-token',
  'git-password',
  'git-ssh-private-key',
] as const;

export const INPUT_NAMES = [
  'git-url',
  'git-branch',
  'git-path',
  'git-secret-name',
  'git-username',
  'git-password',
  'git-ssh-private-key',
  'git-ssh-known-hosts',
  'git-ca-certificate',
  'git-credentials-revision',
  'flux-namespace',
  'reconcile-interval',
  'prune',
  'install',
  'chart-version',
  'chart-repository',
  'helm-values',
  'helm-values-files',
  'working-directory',
  'backend',
  'backend-config',
  'policy-path',
  'policy-data',
  'tofu-version',
  'conftest-version',
  'tool-mirror-url',
  'kubeconfig',
  'digitalocean-token',
  'multitenancy',
  'cluster-name',
  'target',
  'accept-apply',
  'require-reviewed-plan',
  'allow-local-state',
  'health-timeout',
  'github-token',
  'comment',
  'drift-issue',
] as const;

export type InputName = (typeof INPUT_NAMES)[number];
/** Inputs as the runner hands them over: strings, '' when not given (action.yml defaults already applied). */
export type RawInputs = Partial<Record<InputName, string>>;

export interface BackendSetting {
  key: string;
  value: string;
}

export interface ActionInputs {
  install: boolean;
  git: { url?: string; branch: string; path: string; secretName?: string };
  /** Written by the Flux module into the Secret the GitRepository reads; never in tfvars, plans or state. */
  gitCredentials?: GitCredentials;
  fluxNamespace: string;
  reconcileInterval: string;
  prune: boolean;
  chartVersion?: string;
  chartRepository?: string;
  helmValues: Record<string, unknown>;
  helmValuesFiles: string[];
  workingDirectory?: string;
  /** The shipped root's backend type; undefined with a working-directory of the user's own (its backend stands). */
  backend?: rules.ShippedBackend;
  backendConfig: BackendSetting[];
  policyPath?: string;
  /** Conftest data files: workspace-relative paths, or the names of the shipped examples. */
  policyData: string[];
  multitenancy: boolean;
  tofuVersion?: VersionSpec;
  conftestVersion?: VersionSpec;
  toolMirrorUrl?: string;
  kubeconfig?: string;
  digitaloceanToken?: string;
  clusterName?: string;
  target?: string;
  acceptApply: boolean;
  requireReviewedPlan: boolean;
  allowLocalState: boolean;
  healthTimeoutSeconds: number;
  githubToken?: string;
  comment: boolean;
  /** Open, update and close one issue per target about drift (src/report/drift-issue.ts). */
  driftIssue: boolean;
}

export interface InputError {
  input: InputName;
  message: string;
}

const isSecret = (name: InputName): boolean => (SECRET_INPUTS as readonly string[]).includes(name);

/** Formats one error the way every input error reads: name, value (hidden if secret), what is accepted. */
export function describeInputError(name: InputName, value: string | undefined, accepted: string): string {
  // A password in a URL is refused, and never repeated back in the refusal.
  const redacted = value?.replace(/\/\/([^/@:\s]*):[^/@\s]*@/g, '//$1:***@');
  const shown = !redacted ? '(empty)' : isSecret(name) ? '(value hidden)' : JSON.stringify(redacted);
  return `Input '${name}': ${shown} is not accepted: ${accepted}.`;
}

const fields = {
  'git-url': optionalText(rules.gitUrl),
  'git-branch': textWithDefault('main', rules.gitBranch),
  'git-path': textWithDefault('./', rules.repositoryPath),
  'git-secret-name': optionalText(rules.dnsSubdomain),
  ...gitCredentialFields,
  'flux-namespace': textWithDefault('flux-system', rules.dnsLabel),
  'reconcile-interval': textWithDefault('1m', rules.reconcileInterval),
  prune: boolean(true),
  install: boolean(true),
  'chart-version': optionalText(rules.exactVersion),
  'chart-repository': optionalText(rules.chartRepository),
  'helm-values': helmValues,
  'helm-values-files': lineList(rules.workspaceRelativePath, (line) => line),
  'working-directory': optionalText(),
  backend: optionalText(rules.shippedBackend),
  'backend-config': lineList(rules.backendConfigLine, (line): BackendSetting => {
    const eq = line.indexOf('=');
    return { key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
  }),
  'policy-path': optionalText(),
  'policy-data': lineList(rules.policyDataFile, (line) => line),
  multitenancy: boolean(false),
  'tofu-version': versionSpec('expected an exact version (1.10.6), a range (~> 1.10, 1.10.x, >= 1.8, < 2.0) or latest'),
  'conftest-version': versionSpec('expected an exact version (0.71.1), a range (0.71.x) or latest'),
  'tool-mirror-url': optionalText(rules.mirrorUrl),
  kubeconfig,
  'digitalocean-token': optionalText(),
  'cluster-name': optionalText(rules.dnsLabel),
  target: optionalText(rules.target),
  'accept-apply': boolean(false),
  'require-reviewed-plan': boolean(true),
  'allow-local-state': boolean(false),
  'health-timeout': healthTimeout,
  'github-token': optionalText(),
  comment: boolean(true),
  'drift-issue': boolean(false),
} satisfies Record<InputName, Field<unknown>>;

type ParsedInputs = { [K in InputName]: z.output<(typeof fields)[K]> };

/** Rules that tie inputs together; each looks only at inputs that were valid on their own (absent otherwise). */
function crossChecks(p: Partial<ParsedInputs>, raw: RawInputs): InputError[] {
  const errors: InputError[] = [];
  const err = (input: InputName, accepted: string): void => {
    const value = p[input];
    const given = typeof value === 'string' || value === undefined ? value : JSON.stringify(value);
    errors.push({ input, message: describeInputError(input, given, accepted) });
  };
  // `name in p` is false for an input that failed on its own: it already has its error.
  if (p.install && 'git-url' in p && !p['git-url'])
    err('git-url', 'required when install is true: an https:// or ssh:// URL');
  if (p.prune === false)
    err('prune', 'pruning must stay enabled (true) so that objects removed from Git leave the cluster');
  const doks = Boolean(p['cluster-name'] || p['digitalocean-token']);
  const sourcesValid = ['kubeconfig', 'cluster-name', 'digitalocean-token'].every((name) => name in p);
  if (p.kubeconfig && doks)
    err('kubeconfig', 'give one cluster source: kubeconfig, or cluster-name with digitalocean-token, not both');
  if (p.install && sourcesValid && !p.kubeconfig && !doks) {
    err('kubeconfig', 'installing Flux needs a cluster: give kubeconfig, or cluster-name with digitalocean-token');
  }
  if (p['cluster-name'] && !p['digitalocean-token'])
    err('cluster-name', 'it needs digitalocean-token to fetch the DOKS credentials');
  if (p['digitalocean-token'] && 'cluster-name' in p && !p['cluster-name'])
    err('digitalocean-token', 'it needs cluster-name');
  if (p.backend && p['working-directory'])
    err(
      'backend',
      "it selects the shipped root's backend; a working-directory of your own declares its own backend block",
    );
  if (p.backend === 'local' && p['allow-local-state'] === false)
    err('backend', "local state needs 'allow-local-state: true': the state of a run on an ephemeral runner is lost");
  checkGitCredentials(
    {
      ...p,
      url: p['git-url'],
      workingDirectory: p['working-directory'],
      revisionGiven: (raw['git-credentials-revision'] ?? '').trim() !== '',
    },
    err,
  );
  return errors;
}

function toActionInputs(p: ParsedInputs): ActionInputs {
  return {
    install: p.install,
    git: { url: p['git-url'], branch: p['git-branch'], path: p['git-path'], secretName: p['git-secret-name'] },
    gitCredentials: gitCredentials(p),
    fluxNamespace: p['flux-namespace'],
    reconcileInterval: p['reconcile-interval'],
    prune: p.prune,
    chartVersion: p['chart-version'],
    chartRepository: p['chart-repository'],
    helmValues: p['helm-values'],
    helmValuesFiles: p['helm-values-files'],
    workingDirectory: p['working-directory'],
    backend: p['working-directory'] ? undefined : ((p.backend || 's3') as rules.ShippedBackend),
    backendConfig: p['backend-config'],
    policyPath: p['policy-path'],
    policyData: p['policy-data'],
    multitenancy: p.multitenancy,
    tofuVersion: p['tofu-version'],
    conftestVersion: p['conftest-version'],
    toolMirrorUrl: p['tool-mirror-url'],
    kubeconfig: p.kubeconfig,
    digitaloceanToken: p['digitalocean-token'],
    clusterName: p['cluster-name'],
    target: p.target,
    acceptApply: p['accept-apply'],
    requireReviewedPlan: p['require-reviewed-plan'],
    allowLocalState: p['allow-local-state'],
    healthTimeoutSeconds: p['health-timeout'],
    githubToken: p['github-token'],
    comment: p.comment,
    driftIssue: p['drift-issue'],
  };
}

export type InputsResult = { ok: true; inputs: ActionInputs } | { ok: false; errors: InputError[] };

export function parseInputs(raw: RawInputs): InputsResult {
  const valid: Partial<Record<InputName, unknown>> = {};
  const errors: InputError[] = [];
  for (const name of INPUT_NAMES) {
    const result = (fields[name] as Field<unknown>).safeParse(raw[name]);
    if (result.success) valid[name] = result.data;
    else {
      const accepted = result.error.issues.map((issue) => issue.message).join('; ');
      errors.push({ input: name, message: describeInputError(name, raw[name]?.trim(), accepted) });
    }
  }
  const parsed = valid as Partial<ParsedInputs>;
  errors.push(...crossChecks(parsed, raw));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, inputs: toActionInputs(parsed as ParsedInputs) };
}
