// Types for test-env.mjs, imported by test/global-setup.ts and test/support/action-runner.ts.
export function testToolEnv(): Record<string, string>;
export function startLoopbackMirror(
  workDir: string,
  toolEnv?: Record<string, string>,
): Promise<{ url: string; signingKeyArmored: string; stop(): void }>;
export function resolveTypeScriptImports(): Promise<void>;
export function covered(intervals: [number, number][]): number;
export function median(values: number[]): number;
export function parseFileCommands(text: string): Record<string, string>;
export function toolProcesses(stdout: string): { tool: string; command: string; interval: [number, number] }[];
