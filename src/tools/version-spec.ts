// What a user may ask for in tofu-version / conftest-version, and how OpenTofu's constraint syntax maps onto npm
// semver ranges. HCL `~> 1.8` means >= 1.8, < 2.0, but npm's `~1.8` means < 1.9: translate, never pass through.
import semver from 'semver';

export type VersionSpec =
  { kind: 'exact'; version: string } | { kind: 'range'; range: string; asked: string } | { kind: 'latest' };

const HCL_OPERATOR = /^(~>|>=|<=|!=|=|>|<)?\s*v?([0-9]+(?:\.[0-9]+){0,2}(?:-[0-9A-Za-z.-]+)?)$/;

function pessimistic(version: string): string {
  const parts = version.split('-')[0]!.split('.');
  // Keep a pre-release on the lower bound (~> 1.13.0-beta1 admits 1.13.0-beta1); coerce would drop it.
  const lower = semver.valid(version) ?? semver.coerce(version)!.version;
  if (parts.length === 1) return `>=${lower}`;
  // ~> X.Y allows any X.*; ~> X.Y.Z allows any X.Y.*.
  const upper = parts.length === 2 ? `${Number(parts[0]) + 1}.0.0` : `${parts[0]}.${Number(parts[1]) + 1}.0`;
  return `>=${lower} <${upper}-0`;
}

/** One HCL constraint term (`~> 1.8`, `>= 1.6.0`) as an npm range term, or null when it cannot be read. */
function hclTerm(term: string): string | null {
  const match = HCL_OPERATOR.exec(term.trim());
  if (!match) return null;
  const [, op = '=', version = ''] = match;
  if (op === '!=') return null;
  if (op === '~>') return pessimistic(version);
  const full = version.includes('-') ? version : semver.coerce(version)?.version;
  return full ? `${op === '=' ? '' : op}${full}` : null;
}

/** Parses a version input; returns null for anything neither semver nor HCL can read. */
export function parseVersionSpec(input: string): VersionSpec | null {
  const asked = input.trim();
  if (asked === 'latest') return { kind: 'latest' };
  const exact = semver.valid(asked.replace(/^v/, ''));
  if (exact && !/^[=v]/.test(asked.replace(/^v(?=\d)/, ''))) return { kind: 'exact', version: exact };
  if (/~>|,/.test(asked) || /^(>=|<=|>|<|=)\s/.test(asked)) {
    const terms = asked.split(',').map(hclTerm);
    if (terms.some((t) => t === null)) return null;
    const range = semver.validRange(terms.join(' '));
    return range ? { kind: 'range', range, asked } : null;
  }
  const range = semver.validRange(asked);
  return range ? { kind: 'range', range, asked } : null;
}

/**
 * Parses a constraint with HCL meaning only, as `required_version` is written: a bare `1.6` means exactly 1.6.0
 * (npm would read 1.6.x), and `!=` is allowed. Returns null when a term cannot be read.
 */
export function parseHclConstraint(input: string): VersionSpec | null {
  const asked = input.trim();
  const terms = asked.split(',').map((term) => term.trim());
  if (terms.some((term) => term === '')) return null;
  const excluded: string[] = [];
  const kept: string[] = [];
  for (const term of terms) {
    const exclusion = /^!=\s*v?(.+)$/.exec(term);
    const version = exclusion ? hclTerm(exclusion[1]!) : hclTerm(term);
    if (version === null || /^[<>~]/.test(exclusion ? version : '')) return null;
    (exclusion ? excluded : kept).push(version);
  }
  if (kept.length === 1 && excluded.length === 0 && semver.valid(kept[0])) {
    return { kind: 'exact', version: kept[0]! };
  }
  // semver ranges have no "not equal": X != V becomes (X <V) || (X >V), distributed over every exclusion.
  let alternatives = [kept.join(' ')];
  for (const version of excluded) {
    alternatives = alternatives.flatMap((range) => [`${range} <${version}`.trim(), `${range} >${version}`.trim()]);
  }
  const range = semver.validRange(alternatives.join(' || '));
  return range ? { kind: 'range', range, asked } : null;
}
