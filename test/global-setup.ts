// Builds (or finds cached) the real tofu, conftest, actionlint and provider mirror once per test run, and hands
// their paths to every test file through the environment.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  if (process.env.TOFU_BIN && process.env.FLUX_TOFURC && process.env.TF_CLI_CONFIG_FILE === process.env.FLUX_TOFURC)
    return;
  const script = path.resolve(import.meta.dirname, '..', 'scripts', 'test-tools.sh');
  const exports = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  for (const line of exports.split('\n')) {
    const match = /^export ([A-Z_]+)='(.*)'$/.exec(line);
    if (match) process.env[match[1]!] = match[2]!;
  }
}
