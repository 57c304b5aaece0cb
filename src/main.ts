// Wires the pipeline's stages in order: inputs → tools → tfvars → policy → plan → report → gate → apply → health.
// Each stage lives in its own module; this file only passes results along and holds no decisions of its own.
import * as core from '@actions/core';
import { runApplyStage } from './apply/stage.js';
import { resolveConfiguration } from './configuration.js';
import { readRunContext } from './context.js';
import { detectBackend } from './gate/backend.js';
import { describeOnMerge } from './gate/decision.js';
import { hasClusterSource, readInputs, reportInputErrors, secretValues } from './inputs/read.js';
import { runFailure } from './outcome.js';
import { annotateDiagnostics } from './plan/annotate.js';
import { planFingerprint } from './plan/fingerprint.js';
import { runPlan } from './plan/run.js';
import { summarizePlan } from './plan/summary.js';
import { mergePolicyReports } from './policy/findings.js';
import { runConftest } from './policy/run.js';
import { toolEnvironment } from './process.js';
import { renderPlanComment } from './report/comment.js';
import { planCounts } from './report/comment-sections.js';
import { planOutputs, policyOutputs } from './report/outputs.js';
import { runDriftStage } from './report/drift-issue.js';
import { planComment, publishComment } from './report/publish.js';
import { renderInputsTable, renderToolsSection } from './report/summary.js';
import { clusterLocation, commentTarget } from './report/target.js';
import { effectiveInputHashes } from './review/inputs.js';
import { createRunDirectory } from './run-directory.js';
import { gitCredentialsEnvironment } from './tfvars/render.js';
import { writeTfvars } from './tfvars/write.js';
import { installTools } from './tools/install.js';

function setOutputs(...groups: Record<string, string>[]): void {
  for (const group of groups) for (const [name, value] of Object.entries(group)) core.setOutput(name, value);
}

export async function run(): Promise<void> {
  try {
    // inputs
    const parsed = readInputs();
    if (!parsed.ok) return reportInputErrors(parsed.errors);
    const inputs = parsed.inputs;
    const inputHashes = effectiveInputHashes(inputs);
    const context = readRunContext();
    const runDir = await createRunDirectory();
    const config = await resolveConfiguration(inputs, context.workspace, runDir);
    const tfvars = await writeTfvars(inputs, runDir, context.workspace);
    core.setOutput('tfvars-path', tfvars.path);

    // tools
    const tools = await installTools({
      tofuVersion: inputs.tofuVersion,
      conftestVersion: inputs.conftestVersion,
      workingDirectory: config.workingDirectory,
      mirrorUrl: inputs.toolMirrorUrl,
      githubToken: inputs.githubToken,
    });
    setOutputs({ 'tofu-version': tools.tofu.version, 'conftest-version': tools.conftest.version });

    // policy on the tfvars, then the plan, then policy on the plan
    const tfvarsPolicy = await runConftest(tools.conftest.binary, config, 'tfvars', tfvars.path);
    const env = toolEnvironment({ DIGITALOCEAN_TOKEN: inputs.digitaloceanToken, ...gitCredentialsEnvironment(inputs) });
    const plan = await runPlan({
      tofu: tools.tofu.binary,
      workingDirectory: config.workingDirectory,
      tfvarsPath: tfvars.path,
      backendConfig: inputs.backendConfig,
      outputDirectory: runDir,
      env,
      noClusterCredentials: !inputs.install && !hasClusterSource(inputs),
    });
    annotateDiagnostics(plan.diagnostics, config.workingDirectory, context.workspace);
    const planPolicy = plan.planJsonPath
      ? [await runConftest(tools.conftest.binary, config, 'plan', plan.planJsonPath)]
      : [];
    const policy = mergePolicyReports([tfvarsPolicy, ...planPolicy]);
    const summary = plan.planJson === undefined ? undefined : summarizePlan(plan.planJson);
    const planHash = plan.planJson === undefined ? null : planFingerprint(plan.planJson);
    setOutputs(planOutputs(plan, summary), policyOutputs(policy));

    // report
    const backend = await detectBackend(config.workingDirectory, env, plan.failedStep !== 'init');
    const cluster = { doksName: inputs.clusterName, kubeconfig: inputs.kubeconfig };
    const target = commentTarget(inputs.target, config.label, cluster);
    const gateInputs = {
      acceptApply: inputs.acceptApply,
      kubeconfigPresent: Boolean(inputs.kubeconfig?.trim()),
      planExitCode: plan.exitCode,
      policyPassed: policy.result === 'pass',
      backend: backend.backend,
      allowLocalState: inputs.allowLocalState,
      requireReviewedPlan: inputs.requireReviewedPlan,
    };
    const report = renderPlanComment(
      {
        target,
        headSha: context.headSha,
        runUrl: context.runUrl,
        policy,
        plan: {
          exitCode: plan.exitCode,
          failedStep: plan.failedStep,
          summary,
          text: plan.planText,
          error: plan.error,
        },
        onMerge: describeOnMerge(gateInputs),
        planHash,
        inputHashes,
        planTextPath: plan.planTextPath,
        providers: plan.providers,
        cluster: clusterLocation(cluster),
        inputsTable: renderInputsTable(inputs),
      },
      { secrets: secretValues(inputs) },
    );
    const commentUrl = await publishComment(
      planComment(context, inputs.comment, inputs.githubToken),
      context,
      target,
      report,
    );
    core.setOutput('comment-url', commentUrl);

    // gate → apply → health
    const applied = await runApplyStage({
      context,
      inputs,
      backend,
      plan: { exitCode: plan.exitCode, planFile: plan.planFile },
      planHash,
      planDescription: summary && planCounts(summary),
      inputHashes,
      policyPassed: policy.result === 'pass',
      target,
      tofu: tools.tofu.binary,
      workingDirectory: config.workingDirectory,
      env,
      kubeconfigPath: tfvars.kubeconfigPath,
    });
    setOutputs(applied.outputs);

    // drift: a plan of main's head that did not apply
    const drift = await runDriftStage({
      context,
      inputs,
      target,
      planExitCode: plan.exitCode,
      summary,
      applies: applied.decision.apply,
      secrets: secretValues(inputs),
    });
    setOutputs(drift.outputs);

    // A scheduled drift run is about drift first; other runs have no drift section.
    await core.summary
      .addRaw(drift.summary, true)
      .addRaw(report, true)
      .addRaw(applied.summary, true)
      // The report carries the inputs in effect (collapsed), in the summary as in the comment.
      .addRaw(renderToolsSection([tools.tofu, tools.conftest]), true)
      .write();

    const failure = runFailure({
      planError: plan.error,
      policy,
      applyError: applied.applyError,
      healthError: applied.healthError,
    });
    if (failure) core.setFailed(failure);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
