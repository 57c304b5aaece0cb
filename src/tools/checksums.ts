// Pure: reading sha256sum-format checksum files and comparing digests. Fail closed: a missing line, a malformed
// digest or two different digests for one file are errors, never a skipped check.
import { ToolInstallError } from './errors.js';

const LINE = /^([0-9a-fA-F]{64}) [ *]?(.+)$/;

/** File name → lower-case hex SHA-256, from lines like `<64 hex>  name` (text mode) or `<64 hex> *name` (binary). */
export function parseChecksumFile(text: string, checksumFile: string): Map<string, string> {
  const digests = new Map<string, string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const match = LINE.exec(line);
    if (!match) {
      throw new ToolInstallError(`${checksumFile} line ${index + 1} is not "<sha256>  <file name>": ${line}`);
    }
    const [, digest, name] = match;
    const previous = digests.get(name!);
    if (previous && previous !== digest!.toLowerCase()) {
      throw new ToolInstallError(`${checksumFile} lists two different digests for ${name}.`);
    }
    digests.set(name!, digest!.toLowerCase());
  }
  return digests;
}

/** The digest a checksum file records for one file, or an error naming both files. */
export function expectedDigest(text: string, checksumFile: string, fileName: string): string {
  const digest = parseChecksumFile(text, checksumFile).get(fileName);
  if (!digest) throw new ToolInstallError(`${checksumFile} has no checksum line for ${fileName}.`);
  return digest;
}

/** Throws unless the actual digest equals the expected one, saying which file, where the expectation came from. */
export function assertDigest(fileName: string, expected: string, actual: string, source: string): void {
  if (expected.toLowerCase() !== actual.toLowerCase()) {
    throw new ToolInstallError(
      `SHA-256 mismatch for ${fileName}: expected ${expected.toLowerCase()} (${source}), got ${actual.toLowerCase()}.`,
    );
  }
}
