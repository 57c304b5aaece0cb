#!/usr/bin/env node
// Writes the generated parts of README.md from their sources, so the README cannot drift from them:
//   - the inputs and outputs tables, from action.yml (name, required, default, description);
//   - the example workflows it shows, from examples/workflows/*.yml (the files actionlint checks).
//
//   node scripts/readme-tables.mjs           rewrite README.md
//   node scripts/readme-tables.mjs --check   exit 1 if README.md is stale (test/readme.test.ts does the same)
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const INPUTS = ['<!-- BEGIN_ACTION_INPUTS -->', '<!-- END_ACTION_INPUTS -->'];
const OUTPUTS = ['<!-- BEGIN_ACTION_OUTPUTS -->', '<!-- END_ACTION_OUTPUTS -->'];
const EXAMPLE = /<!-- BEGIN_EXAMPLE ([^\s>]+) -->\n[\s\S]*?<!-- END_EXAMPLE -->/g;

/** A table cell: one line, pipes escaped, so any description stays one row. */
export function cell(text) {
  return String(text)
    .trim()
    .replace(/\s*\r?\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

/** Inputs and outputs of action.yml as the tables show them, in the file's order. */
export function actionMetadata(actionYml) {
  const action = parse(actionYml);
  const inputs = Object.entries(action.inputs ?? {}).map(([name, spec]) => ({
    name,
    required: spec.required === true,
    default: spec.default === undefined ? undefined : String(spec.default),
    description: cell(spec.description ?? ''),
  }));
  const outputs = Object.entries(action.outputs ?? {}).map(([name, spec]) => ({
    name,
    description: cell(spec.description ?? ''),
  }));
  return { inputs, outputs };
}

// A default holding backticks is shown in a double-backtick span, as Markdown requires.
const code = (value) => (value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``);

export function renderInputsTable(inputs) {
  const rows = inputs.map(
    (i) =>
      `| \`${i.name}\` | ${i.required ? 'yes' : 'no'} | ${i.default === undefined || i.default === '' ? '—' : code(i.default)} | ${i.description} |`,
  );
  return ['| Name | Required | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderOutputsTable(outputs) {
  const rows = outputs.map((o) => `| \`${o.name}\` | ${o.description} |`);
  return ['| Name | Description |', '| --- | --- |', ...rows].join('\n');
}

function replaceBetween(text, [begin, end], body) {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} … ${end} section`);
  return `${text.slice(0, start + begin.length)}\n${body}\n${text.slice(stop)}`;
}

/** README text with every generated part rewritten; `readFile(relativePath)` reads the examples it embeds. */
export function updatedReadme(readme, actionYml, readFile) {
  const { inputs, outputs } = actionMetadata(actionYml);
  let text = replaceBetween(readme, INPUTS, renderInputsTable(inputs));
  text = replaceBetween(text, OUTPUTS, renderOutputsTable(outputs));
  return text.replace(EXAMPLE, (_, file) => {
    const body = readFile(file).replace(/\n+$/, '');
    return `<!-- BEGIN_EXAMPLE ${file} -->\n\`\`\`yaml\n${body}\n\`\`\`\n<!-- END_EXAMPLE -->`;
  });
}

/** The example files README.md embeds, in order of appearance. */
export function embeddedExamples(readme) {
  return [...readme.matchAll(EXAMPLE)].map((m) => m[1]);
}

function main() {
  const root = path.resolve(import.meta.dirname, '..');
  const readmePath = path.join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const fresh = updatedReadme(readme, readFileSync(path.join(root, 'action.yml'), 'utf8'), (file) =>
    readFileSync(path.join(root, file), 'utf8'),
  );
  if (process.argv.includes('--check')) {
    if (fresh !== readme) {
      console.error('README.md is stale: run `node scripts/readme-tables.mjs`.');
      process.exit(1);
    }
    return;
  }
  if (fresh !== readme) writeFileSync(readmePath, fresh);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) main();
