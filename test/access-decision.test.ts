// The check before apply, pure: what the apply needs and the decision from the API server's answers. The same
// reviews against a real API server, through the action, are in e2e-access.test.ts.
import { describe, expect, it } from 'vitest';
import {
  decideAccess,
  describeRequirement,
  renderAccessSection,
  requiredAccess,
  unreachableDecision,
} from '../src/access/decision.js';

const who = 'user "ci" (token)';

describe('requiredAccess', () => {
  it('asks for everything cluster-wide first, then what installing creates, in the Flux namespace', () => {
    const needs = requiredAccess({ namespace: 'flux', install: true }).map(describeRequirement);
    expect(needs[0]).toBe('do everything to every resource cluster-wide');
    expect(needs).toEqual(
      expect.arrayContaining([
        'create customresourcedefinitions.apiextensions.k8s.io cluster-wide',
        'create clusterrolebindings.rbac.authorization.k8s.io cluster-wide',
        'create deployments.apps in namespace flux',
        'create secrets in namespace flux',
        'patch kustomizations.kustomize.toolkit.fluxcd.io in namespace flux',
      ]),
    );
    expect(needs.some((n) => n.startsWith('delete customresourcedefinitions'))).toBe(false);
  });

  it('asks for delete instead of create when the apply removes Flux', () => {
    const needs = requiredAccess({ namespace: 'flux-system', install: false }).map(describeRequirement);
    expect(needs).toContain('delete deployments.apps in namespace flux-system');
    expect(needs).toContain('delete gitrepositories.source.toolkit.fluxcd.io in namespace flux-system');
    expect(needs).not.toContain('create deployments.apps in namespace flux-system');
  });
});

describe('decideAccess', () => {
  const needs = requiredAccess({ namespace: 'flux-system', install: true });
  const allowed = needs.map(() => ({ allowed: true }));

  it('allows the apply only when every review is allowed', () => {
    const decision = decideAccess(who, needs, allowed);
    expect(decision.ok).toBe(true);
    expect(decision.reasons).toEqual([]);
    expect(decision.summary).toBe(
      `The cluster is reachable and ${who} may do what the apply needs (${needs.length} access reviews allowed).`,
    );
  });

  it('names each verb and resource denied, with the authorizer’s reason', () => {
    const answers = needs.map(
      (r) =>
      r.verb === '*' || r.resource === 'clusterrolebindings' ? { allowed: false, reason: 'no RBAC policy matched' } : { allowed: true }, // prettier-ignore
    );
    const decision = decideAccess(who, needs, answers);
    expect(decision.ok).toBe(false);
    expect(decision.reasons).toEqual([
      `${who} may not do everything to every resource cluster-wide, which installing the Flux chart needs (it binds cluster-admin to kustomize-controller) (no RBAC policy matched).`,
      `${who} may not create clusterrolebindings.rbac.authorization.k8s.io cluster-wide (no RBAC policy matched).`,
    ]);
    expect(decision.summary).toBe(
      `Not applying: ${who} lacks permissions the apply needs (2 of ${needs.length} access reviews not allowed).`,
    );
  });

  it('treats an authorizer error, even next to allowed, and a missing answer as refusals', () => {
    const answers = [{ allowed: true, evaluationError: 'webhook timed out' }, ...allowed.slice(1, -1)];
    const decision = decideAccess(who, needs, answers);
    expect(decision.ok).toBe(false);
    expect(decision.reasons[0]).toBe(
      `${who} could not be confirmed to do everything to every resource cluster-wide, which installing the Flux chart needs (it binds cluster-admin to kustomize-controller) (authorizer error: webhook timed out).`,
    );
    expect(decision.reasons[1]).toMatch(/: no answer for "/);
  });

  it('refuses, with the error, when the API server could not be asked', () => {
    const decision = unreachableDecision('Cluster access: the Kubernetes API at https://x refused the kubeconfig’s credentials (HTTP 401).'); // prettier-ignore
    expect(decision.ok).toBe(false);
    expect(renderAccessSection(decision)).toBe(
      "### Cluster access\n\n**Not applying: the kubeconfig's credentials could not be checked against the cluster.**\n\n" +
        '- Cluster access: the Kubernetes API at https://x refused the kubeconfig’s credentials (HTTP 401).\n',
    );
  });
});
