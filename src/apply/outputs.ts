// Pure reading of `tofu output -json` (or of a plan's planned outputs, or of the tfvars) into the action's Flux
// outputs. Only plain, non-sensitive string outputs are taken: `tofu output -json` prints sensitive values in clear,
// so the raw text is never logged and a sensitive output never becomes an action output.

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
  return fluxOutputsFrom(
    (parsed && typeof parsed === 'object' ? parsed : {}) as Record<string, TofuOutput | undefined>,
  );
}

/**
 * The Flux outputs a plan says the configuration will have (`planned_values.outputs` of `tofu show -json`): known,
 * non-sensitive, non-empty strings only, as parseFluxOutputs takes them from the state. With `install: false` the
 * shipped root plans them as null: nothing is taken.
 */
export function plannedFluxOutputs(planJson: unknown): FluxOutputs {
  const planned = (planJson as { planned_values?: { outputs?: unknown } } | null | undefined)?.planned_values?.outputs;
  if (!planned || typeof planned !== 'object') return {};
  return fluxOutputsFrom(planned as Record<string, TofuOutput | undefined>);
}

/** The Flux outputs among tofu's outputs (state or plan): known, non-sensitive, non-empty strings only. */
function fluxOutputsFrom(outputs: Record<string, TofuOutput | undefined>): FluxOutputs {
  const result: FluxOutputs = {};
  for (const [field, name] of Object.entries(OUTPUT_NAMES) as [keyof FluxOutputs, string][]) {
    const output = outputs[name];
    if (output && !output.sensitive && typeof output.value === 'string' && output.value !== '')
      result[field] = output.value;
  }
  return result;
}

/** The module's names for the GitRepository and the Kustomization (modules/fluxcd/variables.tf defaults). */
export const SHIPPED_OBJECT_NAME = 'flux-system';

/**
 * What the tfvars say the Flux outputs are, for a run without a plan to read them from: the namespace when Flux is
 * installed, and for the shipped root (which keeps the module's names) the object names too. A root of the user's
 * own names its objects itself, so nothing is guessed for it.
 */
export function tfvarsFluxOutputs(inputs: {
  install: boolean;
  fluxNamespace: string;
  workingDirectory?: string;
}): FluxOutputs {
  if (!inputs.install) return {};
  const names = inputs.workingDirectory
    ? {}
    : { gitRepositoryName: SHIPPED_OBJECT_NAME, kustomizationName: SHIPPED_OBJECT_NAME };
  return { fluxNamespace: inputs.fluxNamespace, ...names };
}

/** The action's outputs (action.yml names); empty strings for what the configuration does not output. */
export function fluxActionOutputs(outputs: FluxOutputs): Record<string, string> {
  return {
    'flux-namespace': outputs.fluxNamespace ?? '',
    'git-repository-name': outputs.gitRepositoryName ?? '',
    'kustomization-name': outputs.kustomizationName ?? '',
  };
}
