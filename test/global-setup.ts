// Builds (or finds cached) the real tofu, conftest, actionlint and provider mirror once per test run, and hands
// their paths to every test file through the environment.
import { testToolEnv } from '../scripts/test-env.mjs';

export default function setup(): void {
  if (process.env.TOFU_BIN && process.env.FLUX_TOFURC && process.env.TF_CLI_CONFIG_FILE === process.env.FLUX_TOFURC)
    return;
  Object.assign(process.env, testToolEnv());
}
