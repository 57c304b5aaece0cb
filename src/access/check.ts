// The check before apply, its edge: asks the API server, with the kubeconfig the apply will use, who the identity is
// (SelfSubjectReview) and whether it may do each thing the apply needs (SelfSubjectAccessReview), then decides with
// the pure core. Run before `tofu apply`, so that an unusable kubeconfig (a failing exec plugin, refused or missing
// rights, an untrusted certificate) stops the run before the cluster changes, never after it.
import { KubeHttpError, type KubeClient } from '../kube/client.js';
import {
  decideAccess,
  requiredAccess,
  unreachableDecision,
  type AccessDecision,
  type AccessTarget,
} from './decision.js';

const REQUEST_TIMEOUT_MS = 15_000;

export async function checkClusterAccess(client: KubeClient, target: AccessTarget): Promise<AccessDecision> {
  let identity = `the kubeconfig's identity (${client.authentication})`;
  try {
    const who = await client.whoAmI(REQUEST_TIMEOUT_MS);
    if (who.username) identity = `user "${who.username}" (${client.authentication})`;
  } catch (error) {
    // Authentication failures stop here; an API server without SelfSubjectReview (before 1.28) only loses the name.
    if (!(error instanceof KubeHttpError && error.status === 404))
      return unreachableDecision(`Cluster access: ${(error as Error).message}`);
  }
  const requirements = requiredAccess(target);
  let answers;
  try {
    answers = await Promise.all(requirements.map((r) => client.mayI(r, REQUEST_TIMEOUT_MS)));
  } catch (error) {
    return unreachableDecision(`Cluster access: ${(error as Error).message}`);
  }
  return decideAccess(identity, requirements, answers);
}
