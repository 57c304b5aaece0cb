// Wires the pipeline's stages in order: inputs → tools → tfvars → policy → plan → report → gate → apply → health.
// Each stage lives in its own module; this file only passes results along and holds no decisions of its own.
import * as core from '@actions/core';
import { resolveConfiguration } from './configuration.js';
import { readRunContext } from './context.js';
import { readInputs, reportInputErrors } from './inputs/read.js';
import { runFailure } from './outcome.js';
import { annotateDiagnostics } from './plan/annotate.js';
import { runPlan } from './plan/run.js';
import { summarizePlan } from './plan/summary.js';
import { mergePolicyReports } from './policy/findings.js';
import { runConftest } from './policy/run.js';
import { toolEnvironment } from './process.js';
import { planOutputs, policyOutputs } from './report/outputs.js';
import { renderInputsSection, renderToolsSection } from './report/summary.js';
import { createRunDirectory } from './run-directory.js';
import { writeTfvars } from './tfvars/write.js';
import { installTools } from './tools/install.js';

function setOutputs(...groups: Record<string, string>[]): void {
  for (const group of groups) for (const [name, value] of Object.entries(group)) core.setOutput(name, value);
}

export async function run(): Promise<void> {
  try {
    const parsed = readInputs();
    if (!parsed.ok) return reportInputErrors(parsed.errors);
    const inputs = parsed.inputs;
    const context = readRunContext();
    const runDir = await createRunDirectory();
    const config = await resolveConfiguration(inputs, context.workspace, runDir);
    const tfvars = await writeTfvars(inputs, runDir, context.workspace);
    core.setOutput('tfvars-path', tfvars.path);

    const tools = await installTools({
      tofuVersion: inputs.tofuVersion,
      conftestVersion: inputs.conftestVersion,
      workingDirectory: config.workingDirectory,
      mirrorUrl: inputs.toolMirrorUrl,
      githubToken: inputs.githubToken,
    });
    setOutputs({ 'tofu-version': tools.tofu.version, 'conftest-version': tools.conftest.version });

    const tfvarsPolicy = await runConftest(tools.conftest.binary, config.policyPath, 'tfvars', tfvars.path);
    const env = toolEnvironment({ DIGITALOCEAN_TOKEN: inputs.digitaloceanToken });
    const plan = await runPlan({
      tofu: tools.tofu.binary,
      workingDirectory: config.workingDirectory,
      tfvarsPath: tfvars.path,
      backendConfig: inputs.backendConfig,
      outputDirectory: runDir,
      env,
    });
    annotateDiagnostics(plan.diagnostics, config.workingDirectory, context.workspace);
    const planPolicy = plan.planJsonPath
      ? [await runConftest(tools.conftest.binary, config.policyPath, 'plan', plan.planJsonPath)]
      : [];
    const policy = mergePolicyReports([tfvarsPolicy, ...planPolicy]);
    const summary = plan.planJson === undefined ? undefined : summarizePlan(plan.planJson);
    setOutputs(planOutputs(plan, summary), policyOutputs(policy));

    await core.summary
      .addRaw(renderToolsSection([tools.tofu, tools.conftest]), true)
      .addRaw(renderInputsSection(inputs), true)
      .write();

    const failure = runFailure({ planError: plan.error, policy });
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
