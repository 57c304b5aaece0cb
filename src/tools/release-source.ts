// Pure: where each release file and version index lives, upstream or on a mirror.
//
// A mirror (input tool-mirror-url) serves every file under one base URL with GitHub's relative layout, so a plain
// copy of the release pages is enough for GitHub Enterprise and air-gapped runners:
//
//   <mirror>/opentofu/opentofu/releases/download/v<V>/tofu_<V>_<os>_<arch>.zip
//   <mirror>/opentofu/opentofu/releases/download/v<V>/tofu_<V>_SHA256SUMS
//   <mirror>/opentofu/opentofu/releases/download/v<V>/tofu_<V>_SHA256SUMS.gpgsig
//   <mirror>/open-policy-agent/conftest/releases/download/v<V>/conftest_<V>_<OS>_<ARCH>.tar.gz (.zip on Windows)
//   <mirror>/open-policy-agent/conftest/releases/download/v<V>/checksums.txt
//   <mirror>/tofu/api.json                                   OpenTofu's index: {"versions":[{"id":"1.12.6"},…]}
//   <mirror>/repos/open-policy-agent/conftest/releases       ONE JSON array of GitHub release objects (tag_name…)
//
// The two indexes are read only for version ranges and `latest`; an exact version needs neither.
import type { ToolName } from './platform.js';

export const UPSTREAM = {
  github: 'https://github.com',
  githubApi: 'https://api.github.com',
  openTofuIndex: 'https://get.opentofu.org/tofu/api.json',
} as const;

const REPOSITORY: Record<ToolName, string> = { tofu: 'opentofu/opentofu', conftest: 'open-policy-agent/conftest' };

/** GitHub's API pages hold at most 100 releases; more pages than this means something is wrong. */
export const RELEASES_PER_PAGE = 100;
export const MAX_RELEASE_PAGES = 10;

const trimSlashes = (url: string): string => url.replace(/\/+$/, '');

/** Directory URL holding one release's files. */
export function releaseDownloadBase(tool: ToolName, version: string, mirrorUrl?: string): string {
  const base = mirrorUrl ? trimSlashes(mirrorUrl) : UPSTREAM.github;
  return `${base}/${REPOSITORY[tool]}/releases/download/v${version}`;
}

/** URL of one page of the tool's version index (page numbers start at 1). */
export function versionIndexPage(tool: ToolName, page: number, mirrorUrl?: string, githubApiUrl?: string): string {
  if (tool === 'tofu') return mirrorUrl ? `${trimSlashes(mirrorUrl)}/tofu/api.json` : UPSTREAM.openTofuIndex;
  const path = `/repos/${REPOSITORY.conftest}/releases`;
  if (mirrorUrl) return `${trimSlashes(mirrorUrl)}${path}`;
  return `${trimSlashes(githubApiUrl || UPSTREAM.githubApi)}${path}?per_page=${RELEASES_PER_PAGE}&page=${page}`;
}

/**
 * Whether the index is the paginated GitHub API (conftest without a mirror). Only then may a GitHub token be sent:
 * never to a mirror, which may be any host.
 */
export function indexIsPaginated(tool: ToolName, mirrorUrl?: string): boolean {
  return tool === 'conftest' && !mirrorUrl;
}
