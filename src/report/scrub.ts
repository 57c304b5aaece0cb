// Removes secret values from text bound for the PR comment and the job summary. tofu prints values that
// `sensitive` does not cover (a kubeconfig read by a provider, a token in an error message), so every secret the
// action knows is scrubbed, whole, line by line and in the escaped forms tofu prints strings in.
import type { PolicyFinding } from '../policy/findings.js';
import type { ResourceChange } from '../plan/summary.js';
import type { PlanReport } from './comment.js';

export const SCRUBBED = '***';

// Fragments shorter than this are not scrubbed on their own (only as part of the whole secret): a line such as
// `kind: Config` or `---` of a kubeconfig is structure, and hiding it everywhere would garble the plan.
const MIN_FRAGMENT = 16;

/** Every form in which a secret could show up in tofu's output, longest first. */
export function secretVariants(secrets: readonly string[]): string[] {
  const variants = new Set<string>();
  const add = (value: string, minimum: number): void => {
    if (value.trim().length >= minimum) variants.add(value);
  };
  for (const secret of secrets) {
    if (!secret || secret.trim() === '') continue;
    add(secret, 1);
    add(secret.trim(), 1);
    // tofu quotes strings with JSON-like escapes ("a\nb"), in plan text and in its JSON.
    add(JSON.stringify(secret).slice(1, -1), 1);
    for (const line of secret.split(/\r?\n/)) {
      add(line.trim(), MIN_FRAGMENT);
      // The value of a `key: value` line (a kubeconfig's token, client-key-data…) printed without its key.
      const value = /^[\s-]*[\w.-]+:\s+["']?(.*?)["']?\s*$/.exec(line)?.[1];
      if (value) add(value, MIN_FRAGMENT);
    }
  }
  return [...variants].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles the secrets once into a scrubber, for callers that scrub many strings (the comment's fields). */
export function secretScrubber(secrets: readonly string[]): (text: string) => string {
  const variants = secretVariants(secrets);
  if (variants.length === 0) return (text) => text;
  // One alternation, longest first, so a whole secret is replaced before any of its fragments could be.
  const pattern = new RegExp(variants.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, SCRUBBED);
}

export function scrubSecrets(text: string, secrets: string[]): string {
  return secretScrubber(secrets)(text);
}

/** Every string inside a plain-data value scrubbed (the Flux section's objects, attribute changes): same shape. */
function scrubDeep<T>(value: T, scrub: (text: string) => string): T {
  if (typeof value === 'string') return scrub(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, scrub)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v, scrub)])) as T;
  }
  return value;
}

/** The report with every secret scrubbed from every string the comment shows. */
export function scrubPlanReport(report: PlanReport, secrets: string[] | undefined): PlanReport {
  if (!secrets || secrets.length === 0) return report;
  const scrub = secretScrubber(secrets);
  const finding = (f: PolicyFinding): PolicyFinding => ({
    ...f,
    message: scrub(f.message),
    namespace: scrub(f.namespace),
    ...(f.subject !== undefined ? { subject: scrub(f.subject) } : {}),
  });
  // Resource keys come from configuration values (for_each keys), so addresses are scrubbed too.
  const change = (c: ResourceChange): ResourceChange => ({
    ...c,
    address: scrub(c.address),
    ...(c.previousAddress !== undefined ? { previousAddress: scrub(c.previousAddress) } : {}),
    ...(c.attributes !== undefined ? { attributes: scrubDeep(c.attributes, scrub) } : {}),
  });
  const s = report.plan.summary;
  const summary: Partial<PlanReport['plan']> = s
    ? {
        summary: {
          ...s,
          changes: s.changes.map(change),
          drift: s.drift.map(change),
          outputChanges: s.outputChanges.map((o) => ({ ...o, name: scrub(o.name) })),
          ...(s.flux !== undefined ? { flux: scrubDeep(s.flux, scrub) } : {}),
        },
      }
    : {};
  return {
    ...report,
    target: scrub(report.target),
    onMerge: scrub(report.onMerge),
    ...(report.cluster !== undefined ? { cluster: scrubDeep(report.cluster, scrub) } : {}),
    ...(report.inputsTable !== undefined ? { inputsTable: scrub(report.inputsTable) } : {}),
    policy: {
      ...report.policy,
      failures: report.policy.failures.map(finding),
      warnings: report.policy.warnings.map(finding),
    },
    plan: {
      ...report.plan,
      text: scrub(report.plan.text),
      ...(report.plan.error !== undefined ? { error: scrub(report.plan.error) } : {}),
      ...summary,
    },
  };
}
