// Types for readme-tables.mjs, imported by test/readme.test.ts.
export interface InputRow {
  name: string;
  required: boolean;
  default?: string;
  description: string;
}
export interface OutputRow {
  name: string;
  description: string;
}
export function cell(text: string): string;
export function actionMetadata(actionYml: string): { inputs: InputRow[]; outputs: OutputRow[] };
export function renderInputsTable(inputs: InputRow[]): string;
export function renderOutputsTable(outputs: OutputRow[]): string;
export function updatedReadme(readme: string, actionYml: string, readFile: (file: string) => string): string;
export function embeddedExamples(readme: string): string[];
