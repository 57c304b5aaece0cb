// The two ways reaching the Kubernetes API fails for good: a kubeconfig the action cannot use, and an API server that
// refuses the credentials or presents a certificate they do not trust. Retrying fixes neither, so callers stop on them.

/** The kubeconfig input cannot be used as it is; the message names the input and never quotes its content. */
export class KubeconfigError extends Error {}

/** Refused credentials (401, 403, a failing exec plugin) or an untrusted certificate: waiting cannot fix it. */
export class KubeAccessError extends Error {}
