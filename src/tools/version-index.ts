// Edge: reads a tool's version index (only for ranges and `latest`) and picks the version.
import { downloadBytes, type DownloadOptions } from './download.js';
import { ToolInstallError } from './errors.js';
import { indexIsPaginated, MAX_RELEASE_PAGES, RELEASES_PER_PAGE, versionIndexPage } from './release-source.js';
import {
  describeRequest,
  parseGitHubReleases,
  parseOpenTofuIndex,
  pickVersion,
  type VersionRequest,
} from './versions.js';

export interface IndexContext {
  mirrorUrl?: string;
  githubApiUrl?: string;
  githubToken?: string;
  /** Scratch directory for the downloaded pages. */
  tempDir: string;
}

async function readPage(url: string, request: VersionRequest, page: number, ctx: IndexContext, api: boolean) {
  const options: DownloadOptions = api
    ? {
        authorization: ctx.githubToken ? `Bearer ${ctx.githubToken}` : undefined,
        headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
      }
    : { headers: { accept: 'application/json' } };
  const what = `the ${request.tool} version index (to resolve ${describeRequest(request)})`;
  return (await downloadBytes(url, ctx.tempDir, `${request.tool}-index-${page}.json`, what, options)).toString('utf8');
}

/** Every version the index lists, and the URL it was read from (for messages). */
export async function listVersions(
  request: VersionRequest,
  ctx: IndexContext,
): Promise<{ versions: string[]; url: string }> {
  const { tool } = request;
  const first = versionIndexPage(tool, 1, ctx.mirrorUrl, ctx.githubApiUrl);
  if (tool === 'tofu')
    return { versions: parseOpenTofuIndex(await readPage(first, request, 1, ctx, false), first), url: first };
  const paginated = indexIsPaginated(tool, ctx.mirrorUrl);
  const versions: string[] = [];
  for (let page = 1; page <= MAX_RELEASE_PAGES; page++) {
    const url = versionIndexPage(tool, page, ctx.mirrorUrl, ctx.githubApiUrl);
    const parsed = parseGitHubReleases(await readPage(url, request, page, ctx, paginated), url);
    versions.push(...parsed.versions);
    if (!paginated || parsed.entries < RELEASES_PER_PAGE) return { versions, url: first };
  }
  throw new ToolInstallError(
    `The releases list at ${first} has more than ${MAX_RELEASE_PAGES} pages; ask for an exact version.`,
  );
}

/** The version to install: an exact request as is (no network), otherwise the newest match in the index. */
export async function resolveVersion(request: VersionRequest, ctx: IndexContext): Promise<string> {
  if (request.spec.kind === 'exact') return request.spec.version;
  const { versions, url } = await listVersions(request, ctx);
  return pickVersion(request, versions, url);
}
