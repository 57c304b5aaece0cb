/** A tool could not be installed or verified. The message says which file and which check failed; print it as is. */
export class ToolInstallError extends Error {
  override name = 'ToolInstallError';
}
