// Pure: the OpenTofu version a configuration asks for, when the tofu-version input is empty. Sources, in order:
// a `.opentofu-version` file, then `terraform { required_version = "…" }` in the root module's files.
import { ToolInstallError } from './errors.js';
import { parseHclConstraint, parseVersionSpec, type VersionSpec } from './version-spec.js';

export interface SourceFile {
  name: string;
  text: string;
}

/** The version in a `.opentofu-version` file: its first line that is neither blank nor a # comment. */
export function parseVersionFile(text: string, fileLabel: string): VersionSpec | undefined {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined) return undefined;
  const spec = parseVersionSpec(line);
  if (!spec) {
    throw new ToolInstallError(
      `${fileLabel} holds ${JSON.stringify(line)}, which is not accepted: expected an exact version (1.12.6), ` +
        'a range (~> 1.12, 1.12.x, >= 1.8, < 2.0) or latest.',
    );
  }
  return spec;
}

/**
 * The files of one module that OpenTofu reads: *.tf and *.tofu, where x.tofu replaces x.tf. Override files and
 * JSON syntax are not read for required_version.
 */
export function moduleFiles(names: string[]): string[] {
  const tofu = new Set(names.filter((n) => n.endsWith('.tofu')).map((n) => n.slice(0, -'.tofu'.length)));
  return names
    .filter((n) => n.endsWith('.tofu') || (n.endsWith('.tf') && !tofu.has(n.slice(0, -'.tf'.length))))
    .filter((n) => !/(^|_)override\.(tf|tofu)$/.test(n))
    .sort();
}

/** Blanks out comments (#, //, /* *\/) outside strings, keeping every other character where it was. */
function blankComments(text: string): string {
  const out = text.split('');
  let i = 0;
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      const end = text.indexOf('\n', i);
      blank(i, end === -1 ? text.length : end);
      i = end === -1 ? text.length : end;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      blank(i, end === -1 ? text.length : end + 2);
      i = end === -1 ? text.length : end + 2;
    } else i++;
  }
  return out.join('');
}

/** The top-level body of a block opening at `open` (a "{"), with nested blocks and strings' braces skipped. */
function topLevelBody(text: string, open: number): string {
  let depth = 0;
  let body = '';
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      if (depth === 1) body += text.slice(start, i + 1);
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return body;
    else if (depth === 1) body += c;
  }
  return body;
}

/** Every required_version in the files' top-level terraform blocks, with the file it came from. */
export function findRequiredVersions(files: SourceFile[]): { file: string; constraint: string }[] {
  const found: { file: string; constraint: string }[] = [];
  for (const file of files) {
    const text = blankComments(file.text);
    for (const block of text.matchAll(/(?:^|\n)[ \t]*terraform[ \t]*\{/g)) {
      const body = topLevelBody(text, block.index + block[0].length - 1);
      for (const match of body.matchAll(/(?:^|\n)[ \t]*required_version[ \t]*=[ \t]*"([^"\n]*)"/g)) {
        found.push({ file: file.name, constraint: match[1]! });
      }
    }
  }
  return found;
}

/** The module's required_version constraints combined (OpenTofu requires all of them), or undefined if none. */
export function requiredVersionSpec(files: SourceFile[]): { spec: VersionSpec; files: string[] } | undefined {
  const found = findRequiredVersions(files);
  if (found.length === 0) return undefined;
  const joined = found.map((f) => f.constraint).join(', ');
  const spec = parseHclConstraint(joined);
  if (!spec) {
    const where = found.map((f) => `${f.file}: ${JSON.stringify(f.constraint)}`).join('; ');
    throw new ToolInstallError(
      `required_version in the root configuration cannot be read (${where}): expected OpenTofu constraints such as ` +
        '">= 1.8", "~> 1.12" or ">= 1.8, < 2.0". Set the tofu-version input to choose a version explicitly.',
    );
  }
  return { spec, files: [...new Set(found.map((f) => f.file))] };
}
