// Types for readme-tables.mjs, imported by test/modules.test.ts.
export interface Block {
  name: string;
  description?: string;
  type?: string;
  default?: string;
  sensitive?: string;
}
export function blocks(dir: string, kind: 'variable' | 'output'): Block[];
export function renderDocs(dir: string): string;
export function updatedReadme(readme: string, docs: string): string;
export function moduleDirs(root: string): string[];
