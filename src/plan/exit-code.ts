// `tofu plan -detailed-exitcode`: 0 no changes, 2 changes (success), anything else an error. Read, never guessed.

export type PlanExitCode = 0 | 1 | 2;

export interface PlanOutcome {
  exitCode: PlanExitCode;
  hasChanges: boolean;
  failed: boolean;
}

export function interpretPlanExitCode(code: number): PlanOutcome {
  if (code === 0) return { exitCode: 0, hasChanges: false, failed: false };
  if (code === 2) return { exitCode: 2, hasChanges: true, failed: false };
  return { exitCode: 1, hasChanges: false, failed: true };
}
