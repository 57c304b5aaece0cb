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
