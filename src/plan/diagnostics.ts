// Pure reading of tofu's machine-readable output (`init -json` and `plan -json` UI lines) into diagnostics that
// become annotations with file and line, and into the readable lines echoed to the log.

export interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
  /** Relative to the working directory, as tofu reports it. */
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
}

interface RawDiagnostic {
  severity?: string;
  summary?: string;
  detail?: string;
  range?: { filename?: string; start?: { line?: number; column?: number }; end?: { line?: number } };
}

function toDiagnostic(raw: RawDiagnostic): Diagnostic {
  return {
    severity: raw.severity === 'warning' ? 'warning' : 'error',
    summary: raw.summary ?? 'tofu reported a problem',
    detail: raw.detail || undefined,
    file: raw.range?.filename,
    line: raw.range?.start?.line,
    column: raw.range?.start?.column,
    endLine: raw.range?.end?.line,
  };
}

function jsonLines(output: string): Record<string, unknown>[] {
  const parsed: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      parsed.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line that is not JSON is tofu's plain output (e.g. a crash message); the caller keeps it as text.
    }
  }
  return parsed;
}

/** Diagnostics from `tofu plan -json` / `apply -json` UI lines. */
export function uiDiagnostics(output: string): Diagnostic[] {
  return jsonLines(output)
    .filter((line) => line.type === 'diagnostic' && line.diagnostic)
    .map((line) => toDiagnostic(line.diagnostic as RawDiagnostic));
}

/** The human message of one UI line, for the log; non-JSON lines pass through unchanged. */
export function readableUiLine(line: string): string | null {
  if (!line.startsWith('{')) return line === '' ? null : line;
  try {
    const parsed = JSON.parse(line) as { '@message'?: string; type?: string };
    // Diagnostics are printed as annotations; the version banner adds nothing to the log.
    if (parsed.type === 'version') return null;
    return parsed['@message'] ?? null;
  } catch {
    return line;
  }
}

/** One line per diagnostic, for messages that must stand alone (the run's failure reason, the PR comment). */
export function describeDiagnostics(diagnostics: Diagnostic[]): string {
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map(
      (d) =>
        `${d.summary}${d.file ? ` (${d.file}${d.line ? `:${d.line}` : ''})` : ''}${d.detail ? `: ${d.detail}` : ''}`,
    )
    .join('\n');
}
