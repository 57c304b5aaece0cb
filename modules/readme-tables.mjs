#!/usr/bin/env node
// Writes the Inputs and Outputs tables of each module README from the module's .tf files, between
// <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->, so the README cannot drift from the code.
//
//   node modules/readme-tables.mjs           rewrite modules/*/README.md
//   node modules/readme-tables.mjs --check   exit 1 if a README is stale (test/modules.test.ts does the same)
//
// It reads only what these modules use: top-level `variable` and `output` blocks with description, type,
// default and sensitive attributes. Not a general HCL parser.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BEGIN = '<!-- BEGIN_TF_DOCS -->';
const END = '<!-- END_TF_DOCS -->';
const LONG_TYPE = 60;

/** Index just past the bracket that closes the one at `open`, skipping strings and comments. */
function closing(src, open) {
  const pairs = { '{': '}', '[': ']', '(': ')' };
  const stack = [pairs[src[open]]];
  for (let i = open + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '"') i = stringEnd(src, i) - 1;
    else if (c === '#' || (c === '/' && src[i + 1] === '/')) i = src.indexOf('\n', i);
    else if (pairs[c]) stack.push(pairs[c]);
    else if (c === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
    if (i < 0) break;
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

/** Index just past the quoted string starting at `start`, including ${...} interpolations. */
function stringEnd(src, start) {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '$' && src[i + 1] === '{') i = closing(src, i + 1) - 1;
    else if (src[i] === '"') return i + 1;
  }
  throw new Error(`unterminated string at offset ${start}`);
}

/** Top-level `name = expression` pairs of a block body (nested blocks such as validation are skipped). */
function attributes(body) {
  const found = {};
  let i = 0;
  while (i < body.length) {
    const m = /^[ \t]*([a-z_]+)[ \t]*(=|\{)/m.exec(body.slice(i));
    if (!m) break;
    const at = i + m.index + m[0].length;
    if (m[2] === '{') {
      i = closing(body, at - 1);
      continue;
    }
    let end = at;
    while (end < body.length && body[end] !== '\n') {
      const c = body[end];
      if (c === '"') end = stringEnd(body, end);
      else if ('{[('.includes(c)) end = closing(body, end);
      else if (c === '#') break;
      else end++;
    }
    found[m[1]] = body.slice(at, end).trim();
    i = end;
  }
  return found;
}

/** Every `variable` or `output` block of the .tf files in `dir`, in file order. */
export function blocks(dir, kind) {
  const out = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()) {
    const src = readFileSync(path.join(dir, file), 'utf8');
    const re = new RegExp(`^${kind} "([^"]+)" \\{`, 'gm');
    for (let m; (m = re.exec(src));) {
      const open = m.index + m[0].length - 1;
      out.push({ name: m[1], ...attributes(src.slice(open + 1, closing(src, open) - 1)) });
    }
  }
  return out;
}

/** Removes the indentation the expression had in its .tf file from every line but the first. */
function dedent(expr) {
  const [first, ...rest] = expr.split('\n');
  const indent = Math.min(...rest.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return [first, ...rest.map((l) => l.slice(Number.isFinite(indent) ? indent : 0))].join('\n');
}

const compact = (expr) =>
  expr
    .replace(/\s+/g, ' ')
    .replace(/([{[(]) /g, '$1')
    .replace(/ ([}\])])/g, '$1')
    .replace(/,([}\])])/g, '$1');
const unquote = (s) => (s ? JSON.parse(s) : '');
const cell = (s) => s.replace(/\|/g, '\\|');
const code = (s) => `\`${cell(s)}\``;

export function renderDocs(dir) {
  const variables = blocks(dir, 'variable');
  const outputs = blocks(dir, 'output');
  const longTypes = [];
  const rows = variables.map((v) => {
    const type = compact(v.type ?? 'any');
    let typeCell = code(type);
    if (type.length > LONG_TYPE) {
      longTypes.push(v);
      typeCell = `object, see [${v.name}](#type-of-${v.name})`;
    }
    const def = v.default === undefined ? 'required' : code(compact(v.default));
    return `| ${code(v.name)} | ${typeCell} | ${def} | ${cell(unquote(v.description))} |`;
  });
  const lines = ['## Inputs', '', '| Name | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows, ''];
  for (const v of longTypes) lines.push(`### Type of ${v.name}`, '', '```hcl', dedent(v.type.trim()), '```', '');
  lines.push('## Outputs', '', '| Name | Description |', '| --- | --- |');
  for (const o of outputs)
    lines.push(`| ${code(o.name)} | ${cell(unquote(o.description))}${o.sensitive === 'true' ? ' (sensitive)' : ''} |`);
  return lines.join('\n');
}

/** The README with its generated section replaced. */
export function updatedReadme(readme, docs) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README lacks ${BEGIN} ... ${END}`);
  return `${readme.slice(0, start + BEGIN.length)}\n${docs}\n${readme.slice(end)}`;
}

export const moduleDirs = (root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, d.name));

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const dir of moduleDirs(path.dirname(new URL(import.meta.url).pathname))) {
    const file = path.join(dir, 'README.md');
    const readme = readFileSync(file, 'utf8');
    const next = updatedReadme(readme, renderDocs(dir));
    if (next === readme) continue;
    stale++;
    if (check) console.error(`${file} is stale: run node modules/readme-tables.mjs`);
    else writeFileSync(file, next);
  }
  process.exit(check && stale ? 1 : 0);
}
