// Paths to the real binaries built by scripts/test-tools.sh (see test/global-setup.ts).
function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through vitest (test/global-setup.ts) or scripts/test.sh`);
  return value;
}

export const tools = {
  get tofu(): string {
    return required('TOFU_BIN');
  },
  get conftest(): string {
    return required('CONFTEST_BIN');
  },
  get actionlint(): string {
    return required('ACTIONLINT_BIN');
  },
  /** CLI config selecting the filesystem provider mirror, when the providers were built. */
  get tofurc(): string | undefined {
    return process.env.FLUX_TOFURC;
  },
};
