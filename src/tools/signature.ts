// Verifies OpenTofu's detached GPG signature over its checksum file with the OpenPGP library (no gpg binary).
// openpgp is imported lazily: a tool-cache hit never needs it, and loading it costs start-up time.
import type { PublicKey } from 'openpgp';
import { ToolInstallError } from './errors.js';
import { OPENTOFU_KEY_ARMORED, OPENTOFU_KEY_FINGERPRINT } from './opentofu-key.js';

/**
 * Replaces the trusted key, for tests that sign their own releases. Honoured only together with a `tool-mirror-url`
 * on a loopback address, which only something on the runner itself (a test) can serve; refused everywhere else, so a
 * variable leaked into a runner's environment cannot make it trust another key. Every use is logged as a warning.
 */
export const SIGNING_KEY_ENV = 'FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY';

export interface TrustedKey {
  armored: string;
  /** Fingerprint the key must have; absent for a key given through SIGNING_KEY_ENV. */
  expectedFingerprint?: string;
  /** Where the key came from, for messages. */
  label: string;
}

/**
 * Whether a mirror URL is on a loopback address literal: 127.0.0.0/8 or [::1]. Names (localhost) are not taken: they
 * resolve through whatever the runner's resolver says.
 */
export function isLoopbackMirror(mirrorUrl: string | undefined): boolean {
  if (!mirrorUrl) return false;
  let url: URL;
  try {
    url = new URL(mirrorUrl);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  return url.hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

const EMBEDDED_KEY: TrustedKey = {
  armored: OPENTOFU_KEY_ARMORED,
  expectedFingerprint: OPENTOFU_KEY_FINGERPRINT,
  label: `OpenTofu's signing key ${OPENTOFU_KEY_FINGERPRINT}`,
};

/**
 * The key to trust: OpenTofu's embedded key, unless SIGNING_KEY_ENV holds another (armored) public key and the
 * release files come from a loopback mirror. Throws a ToolInstallError when the variable is set anywhere else.
 */
export function trustedOpenTofuKey(env: NodeJS.ProcessEnv, mirrorUrl?: string): TrustedKey {
  const override = env[SIGNING_KEY_ENV]?.trim();
  if (!override) return EMBEDDED_KEY;
  if (!isLoopbackMirror(mirrorUrl)) {
    let where = "https://github.com (no 'tool-mirror-url')";
    if (mirrorUrl) {
      try {
        where = new URL(mirrorUrl).origin;
      } catch {
        where = JSON.stringify(mirrorUrl);
      }
    }
    throw new ToolInstallError(
      `${SIGNING_KEY_ENV} is set, but a replacement for OpenTofu's signing key is honoured only in tests, with a ` +
        `'tool-mirror-url' on 127.0.0.1 or [::1]; this run downloads from ${where}. Unset ${SIGNING_KEY_ENV}: ` +
        `tofu releases are verified with OpenTofu's own key ${OPENTOFU_KEY_FINGERPRINT}.`,
    );
  }
  return { armored: override, label: `the key in ${SIGNING_KEY_ENV}` };
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Reads the trusted key and checks its fingerprint; returns the upper-case fingerprint. */
export async function loadTrustedKey(key: TrustedKey): Promise<{ fingerprint: string; publicKey: PublicKey }> {
  const openpgp = await import('openpgp');
  let publicKey;
  try {
    publicKey = await openpgp.readKey({ armoredKey: key.armored });
  } catch (error) {
    throw new ToolInstallError(`Cannot read ${key.label} as an armored OpenPGP public key: ${reason(error)}`);
  }
  const fingerprint = publicKey.getFingerprint().toUpperCase();
  if (key.expectedFingerprint && fingerprint !== key.expectedFingerprint.toUpperCase()) {
    throw new ToolInstallError(
      `The embedded OpenTofu signing key has fingerprint ${fingerprint}, expected ${key.expectedFingerprint}: ` +
        'the build is corrupt; refusing to trust it.',
    );
  }
  return { fingerprint, publicKey };
}

const ARMOR_START = '-----BEGIN PGP SIGNATURE-----';

/**
 * Verifies `signature` (armored or binary) over `data` with the trusted key alone. Returns the signer's primary-key
 * fingerprint; throws a ToolInstallError naming both files and the key on any failure.
 */
export async function verifyDetachedSignature(
  data: Uint8Array,
  signature: Uint8Array,
  key: TrustedKey,
  files: { data: string; signature: string },
): Promise<string> {
  const openpgp = await import('openpgp');
  const { fingerprint, publicKey } = await loadTrustedKey(key);
  const failed = (why: string): ToolInstallError =>
    new ToolInstallError(
      `Signature check failed: ${files.signature} does not verify ${files.data} with ${key.label}: ${why}`,
    );
  let parsed;
  try {
    const text = Buffer.from(signature).toString('latin1').trimStart();
    parsed = text.startsWith(ARMOR_START)
      ? await openpgp.readSignature({ armoredSignature: text })
      : await openpgp.readSignature({ binarySignature: signature });
  } catch (error) {
    throw failed(`it is not an OpenPGP signature (${reason(error)})`);
  }
  try {
    const message = await openpgp.createMessage({ binary: data });
    const result = await openpgp.verify({
      message,
      signature: parsed,
      verificationKeys: publicKey,
      expectSigned: true,
    });
    if (result.signatures.length === 0) throw new Error('no signature found');
  } catch (error) {
    throw failed(reason(error));
  }
  return fingerprint;
}
