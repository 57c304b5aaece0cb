// Pure reading of `tofu output -json` into the action's Flux outputs. Only plain, non-sensitive string outputs are
// taken: `tofu output -json` prints sensitive values in clear, so the raw text is never logged and a sensitive
// output never becomes an action output.

export interface FluxOutputs {
  fluxNamespace?: string;
  gitRepositoryName?: string;
  kustomizationName?: string;
}

/** Root configuration output names (modules/root/outputs.tf) → FluxOutputs fields. */
export const OUTPUT_NAMES: Record<keyof FluxOutputs, string> = {
  fluxNamespace: 'flux_namespace',
  gitRepositoryName: 'git_repository_name',
  kustomizationName: 'kustomization_name',
};

interface TofuOutput {
  value?: unknown;
  sensitive?: boolean;
}

export class OutputsError extends Error {}

export function parseFluxOutputs(json: string): FluxOutputs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new OutputsError('tofu output -json did not print JSON.');
  }
  const outputs = (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, TofuOutput | undefined>;
  const result: FluxOutputs = {};
  for (const [field, name] of Object.entries(OUTPUT_NAMES) as [keyof FluxOutputs, string][]) {
    const output = outputs[name];
    if (output && !output.sensitive && typeof output.value === 'string' && output.value !== '')
      result[field] = output.value;
  }
  return result;
}

/** The action's outputs (action.yml names); empty strings for what the configuration does not output. */
export function fluxActionOutputs(outputs: FluxOutputs): Record<string, string> {
  return {
    'flux-namespace': outputs.fluxNamespace ?? '',
    'git-repository-name': outputs.gitRepositoryName ?? '',
    'kustomization-name': outputs.kustomizationName ?? '',
  };
}
