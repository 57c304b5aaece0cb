// Wires the pipeline's stages in order: inputs → tools → tfvars → policy → plan → report → gate → apply → health.
// Each stage lives in its own module; this file only passes results along and holds no decisions of its own.
import * as core from '@actions/core';
import { readInputs } from './inputs/read.js';
import { renderInputsSection, renderTfvarsSection } from './report/summary.js';
import { createRunDirectory } from './run-directory.js';
import { writeTfvars } from './tfvars/write.js';

export async function run(): Promise<void> {
  try {
    const parsed = readInputs();
    if (!parsed.ok) {
      for (const error of parsed.errors) core.error(error.message, { title: `Invalid input: ${error.input}` });
      core.setFailed(`${parsed.errors.length} invalid input(s); nothing was run.`);
      return;
    }
    const inputs = parsed.inputs;
    const runDir = await createRunDirectory();
    const tfvars = await writeTfvars(inputs, runDir, process.env.GITHUB_WORKSPACE ?? process.cwd());
    core.setOutput('tfvars-path', tfvars.path);
    await core.summary
      .addRaw(renderInputsSection(inputs), true)
      .addRaw(renderTfvarsSection(tfvars.flux, tfvars.path), true)
      .write();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
