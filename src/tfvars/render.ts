// Pure rendering of the validated inputs into the root configuration's `flux` object. The output is JSON tfvars:
// no HCL text is ever built from input, so no value can inject configuration.
import type { ActionInputs } from '../inputs/schema.js';

/** The root configuration's `flux` variable (modules/root/variables.tf), attribute for attribute. */
export interface FluxObject {
  install: boolean;
  namespace: string;
  git: {
    url: string | null;
    branch: string;
    path: string;
    secret_name: string | null;
    /** Set when the module writes the Secret from the credentials it gets through TF_VAR_git_credentials. */
    credentials_revision: number | null;
    interval: string;
    prune: boolean;
  };
  helm: {
    repository: string | null;
    chart_version: string | null;
    values: Record<string, unknown>;
    values_files: string[];
  };
  cluster: {
    kubeconfig_path: string | null;
    doks_cluster_name: string | null;
  };
  multitenancy: boolean;
}

/** Files the edge wrote or checked before rendering: the kubeconfig's 0600 copy and the absolute values files. */
export interface TfvarsFiles {
  kubeconfigPath?: string;
  helmValuesFiles: string[];
}

export function renderFluxObject(inputs: ActionInputs, files: TfvarsFiles): FluxObject {
  return {
    install: inputs.install,
    namespace: inputs.fluxNamespace,
    git: {
      url: inputs.git.url ?? null,
      branch: inputs.git.branch,
      path: inputs.git.path,
      secret_name: inputs.git.secretName ?? null,
      credentials_revision: inputs.gitCredentials?.revision ?? null,
      interval: inputs.reconcileInterval,
      prune: inputs.prune,
    },
    helm: {
      repository: inputs.chartRepository ?? null,
      chart_version: inputs.chartVersion ?? null,
      values: inputs.helmValues,
      values_files: files.helmValuesFiles,
    },
    cluster: {
      kubeconfig_path: files.kubeconfigPath ?? null,
      doks_cluster_name: inputs.clusterName ?? null,
    },
    multitenancy: inputs.multitenancy,
  };
}

export function renderTfvars(flux: FluxObject): string {
  return `${JSON.stringify({ flux }, null, 2)}\n`;
}

/**
 * The root's ephemeral `git_credentials` variable, for the environment of tofu plan and apply only: an ephemeral
 * variable cannot come from a tfvars file kept beside the plan, and must be given to both.
 */
export function gitCredentialsEnvironment(inputs: ActionInputs): Record<string, string> {
  if (!inputs.gitCredentials) return {};
  // tofu reads a map from the environment as an HCL expression: JSON's object syntax and escapes are HCL's too, but
  // HCL strings are templates, so "${" and "%{" in a password must be escaped to stay literal.
  const expression = JSON.stringify(inputs.gitCredentials.data).replace(/([$%])\{/g, '$1$1{');
  return { TF_VAR_git_credentials: expression };
}
