// Turns tofu's diagnostics into workflow annotations, with the file relative to the workspace so GitHub links it.
import * as core from '@actions/core';
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';

export function annotationFile(
  diagnostic: Diagnostic,
  workingDirectory: string,
  workspace: string,
): string | undefined {
  if (!diagnostic.file) return undefined;
  const absolute = path.resolve(workingDirectory, diagnostic.file);
  const relative = path.relative(workspace, absolute);
  // Outside the workspace (the shipped modules) GitHub cannot link a file: name it in the title instead.
  return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative;
}

export function annotateDiagnostics(diagnostics: Diagnostic[], workingDirectory: string, workspace: string): void {
  for (const d of diagnostics) {
    const file = annotationFile(d, workingDirectory, workspace);
    const where = !file && d.file ? ` (${d.file}${d.line ? `:${d.line}` : ''})` : '';
    const properties: core.AnnotationProperties = {
      title: `tofu: ${d.summary}${where}`,
      file,
      startLine: file ? d.line : undefined,
      endLine: file ? d.endLine : undefined,
      startColumn: file && d.line === d.endLine ? d.column : undefined,
    };
    const message = d.detail ?? d.summary;
    if (d.severity === 'error') core.error(message, properties);
    else core.warning(message, properties);
  }
}
