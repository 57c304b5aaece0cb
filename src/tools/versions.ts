// Pure: reading the version indexes and choosing the version a request asks for.
import semver from 'semver';
import { ToolInstallError } from './errors.js';
import type { ToolName } from './platform.js';
import type { VersionSpec } from './version-spec.js';

/** A version request and where it came from, so every error can say which input or file to fix. */
export interface VersionRequest {
  tool: ToolName;
  spec: VersionSpec;
  /** e.g. "input tofu-version", ".opentofu-version in /w", "pinned default". */
  origin: string;
}

export const DISPLAY_NAME: Record<ToolName, string> = { tofu: 'OpenTofu', conftest: 'Conftest' };

/** How the request reads in messages: `tofu-version "~> 1.10" (input tofu-version, npm range >=1.10.0 <2.0.0-0)`. */
export function describeRequest(request: VersionRequest): string {
  const { spec, origin } = request;
  if (spec.kind === 'exact') return `${request.tool} ${spec.version} (${origin})`;
  if (spec.kind === 'latest') return `${request.tool} "latest" (${origin})`;
  return `${request.tool} "${spec.asked}" (${origin}; read as the range ${spec.range})`;
}

function parseJson(text: string, url: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ToolInstallError(`The version index at ${url} is not JSON: ${(error as Error).message}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Versions listed by OpenTofu's index, `{"versions":[{"id":"1.12.6","files":[…]},…]}`; ids carry no leading v. */
export function parseOpenTofuIndex(text: string, url: string): string[] {
  const json = parseJson(text, url);
  const versions = isRecord(json) ? json.versions : undefined;
  if (!Array.isArray(versions)) {
    throw new ToolInstallError(`The version index at ${url} has no "versions" list: expected {"versions":[{"id":…}]}.`);
  }
  return versions.flatMap((entry) => {
    const id = isRecord(entry) && typeof entry.id === 'string' ? semver.valid(entry.id) : null;
    return id ? [id] : [];
  });
}

export interface ReleasesPage {
  versions: string[];
  /** Entries on the page before filtering, to tell a full page (more may follow) from the last one. */
  entries: number;
}

/** Versions on one page of GitHub's releases API (an array of {tag_name, draft, prerelease}); drafts and releases
 *  GitHub marks as pre-releases are left out. */
export function parseGitHubReleases(text: string, url: string): ReleasesPage {
  const json = parseJson(text, url);
  if (!Array.isArray(json)) {
    throw new ToolInstallError(`The releases list at ${url} is not a JSON array of releases with "tag_name".`);
  }
  const versions = json.flatMap((release) => {
    if (!isRecord(release) || release.draft === true || release.prerelease === true) return [];
    const version = typeof release.tag_name === 'string' ? semver.valid(release.tag_name.replace(/^v/, '')) : null;
    return version ? [version] : [];
  });
  return { versions, entries: json.length };
}

/**
 * The newest listed version the request accepts. `latest` is the newest stable release; a range follows npm
 * semver, which leaves out pre-releases unless the range names one.
 */
export function pickVersion(request: VersionRequest, available: string[], indexUrl: string): string {
  const { spec } = request;
  if (spec.kind === 'exact') return spec.version;
  const chosen = semver.maxSatisfying(available, spec.kind === 'latest' ? '*' : spec.range);
  if (chosen) return chosen;
  const newest = semver.maxSatisfying(available, '*', { includePrerelease: true });
  throw new ToolInstallError(
    `No ${DISPLAY_NAME[request.tool]} release matches ${describeRequest(request)}: the index at ${indexUrl} lists ` +
      (newest ? `${available.length} versions, the newest ${newest}.` : 'no versions.') +
      ' Ask for a version that exists, or an exact version.',
  );
}
