// The check before apply, pure: which SelfSubjectAccessReviews the apply of the shipped root needs, and the decision
// from their answers. Installing the flux2 chart creates the namespace, the CRDs, ClusterRoles and a
// ClusterRoleBinding of cluster-admin to kustomize-controller, Deployments, Services, ServiceAccounts and Helm's
// release Secrets, then the GitRepository and Kustomization; Kubernetes lets an identity grant cluster-admin only when
// it holds every permission itself, so `*` on `*` everywhere is the review that decides, and the specific ones name
// what is missing. Anything but an explicit "allowed" refuses: an authorizer's error is doubt, and doubt never applies.

export interface AccessRequirement {
  verb: string;
  group: string;
  resource: string;
  /** Absent: cluster-wide (or every namespace). */
  namespace?: string;
}

export interface AccessAnswer {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

export interface AccessDecision {
  ok: boolean;
  /** One sentence per requirement that does not hold, or the one reason nothing could be checked. */
  reasons: string[];
  /** One sentence: what was checked and the outcome. */
  summary: string;
}

export interface AccessTarget {
  namespace: string;
  /** false: the apply removes Flux (needs delete where installing needs create). */
  install: boolean;
}

const FLUX_KINDS = [
  { group: 'source.toolkit.fluxcd.io', resource: 'gitrepositories' },
  { group: 'kustomize.toolkit.fluxcd.io', resource: 'kustomizations' },
];

export function requiredAccess(target: AccessTarget): AccessRequirement[] {
  const ns = target.namespace;
  const change = target.install ? 'create' : 'delete';
  return [
    { verb: '*', group: '*', resource: '*' },
    { verb: change, group: '', resource: 'namespaces' },
    { verb: change, group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' },
    { verb: change, group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
    { verb: change, group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
    { verb: change, group: 'apps', resource: 'deployments', namespace: ns },
    { verb: change, group: '', resource: 'services', namespace: ns },
    { verb: change, group: '', resource: 'serviceaccounts', namespace: ns },
    // Helm keeps each release revision in a Secret of the release's namespace.
    ...['get', 'list', 'create', 'update', 'delete'].map((verb) => ({ verb, group: '', resource: 'secrets', namespace: ns })), // prettier-ignore
    ...FLUX_KINDS.flatMap((k) => ['get', 'patch', change].map((verb) => ({ verb, ...k, namespace: ns }))),
  ];
}

export const describeRequirement = (r: AccessRequirement): string => {
  const what = r.resource === '*' && r.group === '*' ? 'every resource' : r.group ? `${r.resource}.${r.group}` : r.resource; // prettier-ignore
  const verb = r.verb === '*' ? 'do everything to' : r.verb;
  return `${verb} ${what} ${r.namespace ? `in namespace ${r.namespace}` : 'cluster-wide'}`;
};

function refusal(identity: string, r: AccessRequirement, answer: AccessAnswer): string {
  const detail = [answer.reason, answer.evaluationError && `authorizer error: ${answer.evaluationError}`]
    .filter(Boolean)
    .join('; ');
  const why = r.verb === '*' ? ', which installing the Flux chart needs (it binds cluster-admin to kustomize-controller)' : ''; // prettier-ignore
  const how = answer.allowed ? 'could not be confirmed to' : 'may not';
  return `${identity} ${how} ${describeRequirement(r)}${why}${detail ? ` (${detail})` : ''}.`;
}

/** Pure: the decision from each requirement's answer (same order); a missing answer is a refusal too. */
export function decideAccess(
  identity: string,
  requirements: AccessRequirement[],
  answers: (AccessAnswer | undefined)[],
): AccessDecision {
  const reasons = requirements.flatMap((r, i) => {
    const answer = answers[i];
    if (!answer) return [`${identity}: no answer for "${describeRequirement(r)}".`];
    // allowed with an evaluation error: a partial answer from a chain of authorizers, not a confirmation.
    return answer.allowed && !answer.evaluationError ? [] : [refusal(identity, r, answer)];
  });
  if (reasons.length === 0) {
    return {
      ok: true,
      reasons,
      summary: `The cluster is reachable and ${identity} may do what the apply needs (${requirements.length} access reviews allowed).`,
    };
  }
  return {
    ok: false,
    reasons,
    summary: `Not applying: ${identity} lacks permissions the apply needs (${reasons.length} of ${requirements.length} access reviews not allowed).`,
  };
}

/** Pure: the decision when the API server could not be reached or refused the credentials. */
export function unreachableDecision(error: string): AccessDecision {
  return {
    ok: false,
    reasons: [error],
    summary: "Not applying: the kubeconfig's credentials could not be checked against the cluster.",
  };
}

/** Pure: the job summary's section. */
export function renderAccessSection(decision: AccessDecision): string {
  const lines = ['### Cluster access\n', `**${decision.summary}**\n`];
  for (const reason of decision.reasons) lines.push(`- ${reason}`);
  return `${lines.join('\n')}\n`;
}
