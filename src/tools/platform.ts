// Pure naming of release files per platform, as the two projects publish them (field notes §3). OpenTofu uses Go's
// os/arch names; Conftest capitalises the OS, says x86_64 for amd64, and ships a .zip only for Windows.
import { ToolInstallError } from './errors.js';

export type ToolName = 'tofu' | 'conftest';
export type ReleaseOs = 'linux' | 'darwin' | 'windows';
export type ReleaseArch = 'amd64' | 'arm64';

export interface Platform {
  os: ReleaseOs;
  arch: ReleaseArch;
}

const OS_BY_NODE: Partial<Record<NodeJS.Platform, ReleaseOs>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
const ARCH_BY_NODE: Partial<Record<string, ReleaseArch>> = { x64: 'amd64', arm64: 'arm64' };

/** The release platform for Node's process.platform / process.arch, or an error naming what is unsupported. */
export function releasePlatform(nodePlatform: NodeJS.Platform, nodeArch: string): Platform {
  const os = OS_BY_NODE[nodePlatform];
  const arch = ARCH_BY_NODE[nodeArch];
  if (!os || !arch) {
    throw new ToolInstallError(
      `This runner's platform ${nodePlatform}/${nodeArch} is not supported: tofu and conftest are installed for ` +
        'linux, darwin and windows on x64 (amd64) or arm64.',
    );
  }
  return { os, arch };
}

const CONFTEST_OS: Record<ReleaseOs, string> = { linux: 'Linux', darwin: 'Darwin', windows: 'Windows' };
const CONFTEST_ARCH: Record<ReleaseArch, string> = { amd64: 'x86_64', arm64: 'arm64' };

/** The release archive's file name, e.g. tofu_1.12.6_linux_amd64.zip or conftest_0.71.1_Linux_x86_64.tar.gz. */
export function archiveName(tool: ToolName, version: string, platform: Platform): string {
  if (tool === 'tofu') return `tofu_${version}_${platform.os}_${platform.arch}.zip`;
  const extension = platform.os === 'windows' ? 'zip' : 'tar.gz';
  return `conftest_${version}_${CONFTEST_OS[platform.os]}_${CONFTEST_ARCH[platform.arch]}.${extension}`;
}

/** The release's checksum file, in sha256sum format. */
export function checksumFileName(tool: ToolName, version: string): string {
  return tool === 'tofu' ? `tofu_${version}_SHA256SUMS` : 'checksums.txt';
}

/** OpenTofu's detached GPG signature of its checksum file (`.sig` is cosign's, not GPG's). */
export function signatureFileName(version: string): string {
  return `tofu_${version}_SHA256SUMS.gpgsig`;
}

/** The executable's name inside the archive and in the tool cache. */
export function binaryName(tool: ToolName, platform: Platform): string {
  return platform.os === 'windows' ? `${tool}.exe` : tool;
}
