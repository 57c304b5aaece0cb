// The field parsers the input schema is built from: each is a zod schema over one raw string input that returns
// the parsed value, or adds an issue carrying the sentence that says what is accepted.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseVersionSpec, type VersionSpec } from '../tools/version-spec.js';
import * as rules from './rules.js';

export type Field<T> = z.ZodType<T, string | undefined>;

const trimmed = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim());

export function optionalText(rule?: rules.Rule): Field<string | undefined> {
  return trimmed.transform((value, ctx) => {
    if (value === '') return undefined;
    const problem = rule?.(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return value;
  });
}

export function textWithDefault(fallback: string, rule: rules.Rule): Field<string> {
  return trimmed.transform((raw, ctx) => {
    const value = raw === '' ? fallback : raw;
    const problem = rule(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return value;
  });
}

/** true/false in any case; anything else is an error, never a silent false. */
export function boolean(fallback: boolean): Field<boolean> {
  return trimmed.transform((raw, ctx) => {
    if (raw === '') return fallback;
    const lower = raw.toLowerCase();
    if (lower !== 'true' && lower !== 'false') ctx.addIssue({ code: 'custom', message: 'expected true or false' });
    return lower === 'true';
  });
}

function lines(raw: string): string[] {
  return raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function lineList<T>(rule: rules.Rule, map: (line: string) => T): Field<T[]> {
  return trimmed.transform((raw, ctx) => {
    const items = lines(raw);
    for (const line of items) {
      const problem = rule(line);
      if (problem) ctx.addIssue({ code: 'custom', message: `line ${JSON.stringify(line)}: ${problem}` });
    }
    return items.map(map);
  });
}

export const helmValues: Field<Record<string, unknown>> = trimmed.transform((raw, ctx) => {
  if (raw === '') return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(raw);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a YAML or JSON mapping (${(error as Error).message.split('\n')[0]})`,
    });
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a YAML or JSON mapping of chart values, such as {"logLevel": "debug"}',
    });
    return {};
  }
  return parsed as Record<string, unknown>;
});

export function versionSpec(accepted: string): Field<VersionSpec | undefined> {
  return trimmed.transform((raw, ctx) => {
    if (raw === '') return undefined;
    const spec = parseVersionSpec(raw);
    if (!spec) ctx.addIssue({ code: 'custom', message: accepted });
    return spec ?? undefined;
  });
}

export const kubeconfig: Field<string | undefined> = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === '') return undefined;
    let parsed: unknown;
    try {
      parsed = parseYaml(raw);
    } catch {
      parsed = undefined;
    }
    const doc = parsed as { clusters?: unknown } | null | undefined;
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.clusters)) {
      // Never echo the content: a parser error message could quote a token.
      ctx.addIssue({
        code: 'custom',
        message: 'expected the contents of a kubeconfig file (YAML with a clusters list)',
      });
    }
    return raw;
  });

export const healthTimeout: Field<number> = trimmed.transform((raw, ctx) => {
  const seconds = rules.durationSeconds(raw === '' ? '5m' : raw);
  if (seconds === null)
    ctx.addIssue({ code: 'custom', message: 'expected whole seconds or minutes up to 60m, such as 90s or 5m' });
  return seconds ?? 0;
});
