// Which version of each tool to install, and why: the input, else (tofu only) the configuration's own wishes, with
// the pinned, tested version wherever they admit it, else the pinned default. The choice is pure; reading the files is the small edge at the bottom.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { ToolInstallError } from './errors.js';
import type { ToolName } from './platform.js';
import { moduleFiles, parseVersionFile, requiredVersionSpec, type SourceFile } from './required-version.js';
import type { VersionSpec } from './version-spec.js';
import type { VersionRequest } from './versions.js';

/** Pinned defaults; test/tools-versions.test.ts keeps them equal to scripts/tool-versions.env. */
export const PINNED_VERSIONS: Record<ToolName, string> = { tofu: '1.12.6', conftest: '0.71.1' };

export const VERSION_FILE = '.opentofu-version';

export interface TofuVersionSources {
  input?: VersionSpec;
  directory: string;
  /** Content of .opentofu-version in the working directory, if the file exists. */
  versionFile?: string;
  /** The root module's *.tf / *.tofu files. */
  moduleFiles: SourceFile[];
}

/** Whether a version spec admits one exact version. */
function admits(spec: VersionSpec, version: string): boolean {
  if (spec.kind === 'exact') return spec.version === version;
  if (spec.kind === 'latest') return false;
  return semver.satisfies(version, spec.range);
}

/**
 * Precedence for tofu: input tofu-version, .opentofu-version, then the pinned default when the configuration's
 * required_version admits it (the shipped root's ">= 1.11.0" does), else the newest release required_version admits.
 * A constraint is a floor or a window, not a wish for the newest release: taking the pinned, tested version while it
 * fits keeps a run reproducible (a pull request and the apply of its merge run the same tofu). `latest` or a range
 * stays available through the input or .opentofu-version.
 */
export function chooseTofuRequest(sources: TofuVersionSources): VersionRequest {
  if (sources.input) return { tool: 'tofu', spec: sources.input, origin: 'input tofu-version' };
  const fileLabel = `${VERSION_FILE} in ${sources.directory}`;
  const fromFile = sources.versionFile === undefined ? undefined : parseVersionFile(sources.versionFile, fileLabel);
  if (fromFile) return { tool: 'tofu', spec: fromFile, origin: fileLabel };
  const required = requiredVersionSpec(sources.moduleFiles);
  if (required) {
    const where = `required_version in ${required.files.join(', ')}`;
    if (admits(required.spec, PINNED_VERSIONS.tofu)) {
      return { ...pinned('tofu'), origin: `pinned default, which ${where} admits` };
    }
    return { tool: 'tofu', spec: required.spec, origin: where };
  }
  return pinned('tofu');
}

export function conftestRequest(input?: VersionSpec): VersionRequest {
  return input ? { tool: 'conftest', spec: input, origin: 'input conftest-version' } : pinned('conftest');
}

function pinned(tool: ToolName): VersionRequest {
  return { tool, spec: { kind: 'exact', version: PINNED_VERSIONS[tool] }, origin: 'pinned default' };
}

/** Reads what chooseTofuRequest needs from the working directory (only when the input is empty). */
export async function readTofuVersionSources(
  input: VersionSpec | undefined,
  directory: string,
): Promise<TofuVersionSources> {
  if (input) return { input, directory, moduleFiles: [] };
  let names: string[];
  try {
    names = (await fs.readdir(directory, { withFileTypes: true }))
      .filter((entry) => !entry.isDirectory())
      .map((entry) => entry.name);
  } catch (error) {
    throw new ToolInstallError(
      `Cannot read the working directory ${directory} to find the OpenTofu version it needs: ${(error as Error).message}`,
    );
  }
  const read = (name: string): Promise<string> => fs.readFile(path.join(directory, name), 'utf8');
  const versionFile = names.includes(VERSION_FILE) ? await read(VERSION_FILE) : undefined;
  const files = await Promise.all(moduleFiles(names).map(async (name) => ({ name, text: await read(name) })));
  return { directory, versionFile, moduleFiles: files };
}
