// Types for local-run.mjs, imported by test/local-run.test.ts.
export const localSecretInputs: readonly string[];
export function closestInput(name: string, names: string[]): string | undefined;
export function maskingFilter(
  print: (text: string) => void,
  secrets?: Set<string>,
  options?: { debug?: boolean },
): { add(value: string): void; mask(text: string): string; write(chunk: string): void; end(): void };
