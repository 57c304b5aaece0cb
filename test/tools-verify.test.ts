import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertDigest, expectedDigest, parseChecksumFile } from '../src/tools/checksums.js';
import { ToolInstallError } from '../src/tools/errors.js';
import { OPENTOFU_KEY_ARMORED, OPENTOFU_KEY_FINGERPRINT } from '../src/tools/opentofu-key.js';
import {
  loadTrustedKey,
  SIGNING_KEY_ENV,
  trustedOpenTofuKey,
  verifyDetachedSignature,
  type TrustedKey,
} from '../src/tools/signature.js';
import { generateSigningKey, signDetached } from './support/release-mirror.js';

const LOOPBACK_MIRROR = 'http://127.0.0.1:8080';

// A real release: tofu 1.8.5's SHA256SUMS, verbatim, and its detached GPG signature (tofu_1.8.5_SHA256SUMS.gpgsig,
// binary OpenPGP, RSA over SHA-512). Published release data, kept as a known answer for the embedded key.
const TOFU_185_SUMS = [
  '060941a5fab595652eb517f0ef222f3f2e8d659d501433e0bdcd58af0ba48831  tofu_1.8.5_linux_arm.tar.gz',
  '06a1c6b3720d0057d3bcb77933b1d765a9e23d1eba3fc0c3754b8cfb4cb42bb6  tofu_1.8.5_freebsd_386.zip',
  '0a15fd191509db47991cf042f85c7390fb789643ef790688ce37b6c17d9ea0dd  tofu_1.8.5_linux_386.zip',
  '14a43bbc31ec36e2aa3a0ad4eb6bebedfd5fea27c7cce6fdede3b9b7ed67b430  tofu_1.8.5_freebsd_386.tar.gz',
  '1ad5072d66df85185440714556afed26e17636cf2635dc4154592fc15706306f  tofu_1.8.5_arm64.apk',
  '2535e8d4979806cbf79a1b704dccf1fae45b4d50ccaee3e54c1771044db4a573  tofu_1.8.5_linux_arm64.zip',
  '3933ff6807385a94c41535ab331de7bdc0abccf6a4d46bd0aeb51bb1f8dd5a10  tofu_1.8.5_openbsd_386.tar.gz',
  '455f1ff4e79c56889e55ee192606439acca8bfc301f5e61bad9f400dacf5bf58  tofu_1.8.5_windows_386.tar.gz',
  '49a06a59af709bb666ed8627655ccb72d23e3c16640d71f246c8a8f06c30afad  tofu_1.8.5_arm64.deb',
  '4acecae2256013cec59af2caef265f1fc4f46ca7859ff4e0b043a6d3a21e7cc1  tofu_1.8.5_windows_amd64.tar.gz',
  '51a984d6c01e1afcbc658c396560e9db9e81451a1dbd9ac119f29532c06f7662  tofu_1.8.5_freebsd_arm.zip',
  '5478b9b0f9ec4124221e0a6317051ecc34795072e65f4979a0293377fdd7ef4f  tofu_1.8.5_386.rpm',
  '65aadd14ef39eea8d4c3f1ee4579c2a46adb2f5fa5631324c48f086d4e7fa65c  tofu_1.8.5_windows_386.zip',
  '67b5804b302ae35de7488ec880d49a90209b26a145dfc89814e3b09bd8911377  tofu_1.8.5_linux_386.tar.gz',
  '6817a2bb50893352fafe7a7252209ab8e532739e73eeaa438cc35d9c5f585fb9  tofu_1.8.5_arm.apk',
  '6ceb9a1ceeec8c90b3890f548fbf0d546234dd86508f841ee8229f2a4397c538  tofu_1.8.5_amd64.rpm',
  '6ffc6a74a04020b19a5ef6fc10120f73e9f9b8274d11c28556d2ca2b3b5b0769  tofu_1.8.5_amd64.apk',
  '7714daa82d210c9396a28915c85467f448673223f9ab11b31bd471a12f750db7  tofu_1.8.5_amd64.deb',
  '79aa532eb8172afa4afd161972af8809814ec75ac4b8af069242800458cd7661  tofu_1.8.5_freebsd_arm.tar.gz',
  '7d81c559912a772ca3836770c1986b8e3b953a61072d7b2a7a1b5221c05c6d6f  tofu_1.8.5_darwin_arm64.tar.gz',
  '840dc6320917fba3af38ef621158ed1ccbbf1a64a9b79c8f534250323033bd36  tofu_1.8.5_arm.rpm',
  '861a3f77f1bc01e367c000078bc94eb424d02692615cc9c0696d18263d883845  tofu_1.8.5_openbsd_amd64.tar.gz',
  '86ca868d8b751b759cb6697da7859ad6d6a5b866317b28141603bede8a718abf  tofu_1.8.5_openbsd_amd64.zip',
  '888346b870e5e9170a8b3fad1734d9e5e17cf48a17d1ccaa39f5f9de892440d2  tofu_1.8.5_freebsd_amd64.zip',
  '8bcd1317392a7b1ce149c5dafc886497219f560527fe10ed0d58863120d59e67  tofu_1.8.5_windows_amd64.zip',
  '90192c7e60d270afdf297c9fc868bc67aa58619e280af1135439bd188b741e18  tofu_1.8.5_solaris_amd64.zip',
  '973dd26de6aabcf3738ac997204201dd0549a00976b082fe16fd35e42c7d0a3b  tofu_1.8.5_openbsd_386.zip',
  'a5cd248121e90c1374b7ba6474a206ea1a8415fe225835002c606b9bc9de0a10  tofu_1.8.5_arm64.rpm',
  'b1b00258e74ecddfbf2aa884718ab6138b1b8d5deaca1962c651506bc371a307  tofu_1.8.5_freebsd_amd64.tar.gz',
  'b3216ab936fe6e569487c41ebaf78366c7120d2d3bb05e2fea46ee3eeeb44e4a  tofu_1.8.5_solaris_amd64.tar.gz',
  'bdecf60068a8a08a60f0cbdd54834cc9d38037f587a3687cb328c1755c09fd86  tofu_1.8.5_386.deb',
  'c0186b4d47c740433c8962a72e8e864225f79fb21028203925196a5b28aa6868  tofu_1.8.5_darwin_amd64.tar.gz',
  'c1f77ff8bb5e6a62604877dcf51bda32d3ab11e3239908bbbbf59cfbc702e16a  tofu_1.8.5_386.apk',
  'c77e545ab847c0d6acd322c010f457e1a30448476945c04074a48882c4b86dfe  tofu_1.8.5_darwin_arm64.zip',
  'cb6d1b949691e50bed6c9cc17aefc999cf27e52200521efa9f107ce3ee08260f  tofu_1.8.5_darwin_amd64.zip',
  'd1c7d6505a9e27ee79ba75f2a9849e6ce56e3e13f25916f067330c045567b0b3  tofu_1.8.5_linux_arm.zip',
  'd66786a6b5a16ebd6d486167440b3c95a6556fb8128f368e8814eae446bfa035  tofu_1.8.5_arm.deb',
  'd89c753fe440e1156fa8e523b2c8744322f29b2c40cc3fd049617271272b853d  tofu_1.8.5_linux_arm64.tar.gz',
  'dc46f945f3718769604561c9bad569841443ffcc6e0b970d4dbc5bd224a52941  tofu_1.8.5_linux_amd64.tar.gz',
  'e2951ba6be8ae9427aabbd5c6f243855e8b526cb2ae6bc33a05dae22d7e82632  tofu_1.8.5_linux_amd64.zip',
  '',
].join('\n');
const TOFU_185_SUMS_SHA256 = '4791d5c16300f1934aed0422042f7a37266a1087de81eb458a0081d9ca11ce10';
const TOFU_185_GPGSIG = Buffer.from(
  'iQIzBAABCgAdFiEE4+bkPYTLhS6tsAUdDArzE+X9n4AFAmcpL2cACgkQDArzE+X9n4CEBg//aa3Dl9kn5utCNVlWWdHv6DCM9d9S' +
    'sWF66/qXgZ6X0RGtwFN8w0S0+7MaxZxZn28kqCLZBc2260JrJ5edI8hE3xOhTvpoI9WnKIKMLx9OR25rbz3fTXTJ0gS1ccAgIdp0' +
    'W5eAiL/ogDMcJa/N368KSCOmI8HiYpNLSdvYIE8ts19AFfyQ/t7SxmKNqs5D449Aj0rUybCrGrsmHv3w1U8KHXSj/XIjjz/XJd3X' +
    'YN2z1OrHKCpeNLr06ITV1cOUrvtX93Elkn2g/ExCMS1rGv2kHKdWVg0z3uH2q+UPchPwzUUbKpvV5l4fhBQNuOi44dHoK+rIWlGJ' +
    'AmplbQjUjnrnO+sH6tBdmmS0AWh5Y5uNMmvUawjB07XHYJDL7mfZ0kBSPR/6tI6PkvI3Uuo6vXK2IlvA2+SteFOd0FoJ604zGjtD' +
    '9GsYlWZRWExfBcLjky7nTycvvzM9uQ6r2ZkGMBRbDUqHznZPsgZTiUgrxNyNY+vl7fvQ8t5V/3BjmqAE4f3A2a6B6xTZtFXz3RB8' +
    'KhkqyGUeWkcPopuuSkBvqvuUzaLdEVWXUEfYSKT4RqwhvfvnLf0FcZ17Ukj1XTKm9u89FVV63Iv4yxsXcvfD+hWRQg0UD3ls/MnM' +
    'oiMWHVcScz515T7hKVtSqUVpgwjzBS2wqyDl7HOmvPXRhgh2nrYGqRw=',
  'base64',
);

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');
const embedded = trustedOpenTofuKey({});
const files = { data: 'tofu_1.8.5_SHA256SUMS', signature: 'tofu_1.8.5_SHA256SUMS.gpgsig' };

describe('checksum files', () => {
  it('maps each file to its digest, in text and binary sha256sum modes, with CRLF tolerated', () => {
    const digests = parseChecksumFile(`${'A'.repeat(64)}  a.zip\r\n${'b'.repeat(64)} *b.tar.gz\n\n`, 'checksums.txt');
    expect([...digests]).toEqual([
      ['a.zip', 'a'.repeat(64)],
      ['b.tar.gz', 'b'.repeat(64)],
    ]);
  });

  it('finds the line for the archive in a real OpenTofu checksum file', () => {
    expect(sha256(TOFU_185_SUMS)).toBe(TOFU_185_SUMS_SHA256);
    expect(expectedDigest(TOFU_185_SUMS, files.data, 'tofu_1.8.5_linux_amd64.zip')).toBe(
      'e2951ba6be8ae9427aabbd5c6f243855e8b526cb2ae6bc33a05dae22d7e82632',
    );
    expect(expectedDigest(TOFU_185_SUMS, files.data, 'tofu_1.8.5_darwin_arm64.zip')).toBe(
      'c77e545ab847c0d6acd322c010f457e1a30448476945c04074a48882c4b86dfe',
    );
  });

  it('fails closed: a missing line, a malformed line or two digests for one file are errors', () => {
    expect(() => expectedDigest(TOFU_185_SUMS, files.data, 'tofu_1.8.5_linux_riscv64.zip')).toThrow(
      new ToolInstallError('tofu_1.8.5_SHA256SUMS has no checksum line for tofu_1.8.5_linux_riscv64.zip.'),
    );
    expect(() => parseChecksumFile(`${'a'.repeat(63)}  a.zip\n`, 'checksums.txt')).toThrow(
      /checksums.txt line 1 is not "<sha256> {2}<file name>"/,
    );
    expect(() => parseChecksumFile(`${'a'.repeat(64)}  a.zip\n${'b'.repeat(64)}  a.zip\n`, 'checksums.txt')).toThrow(
      'checksums.txt lists two different digests for a.zip.',
    );
    expect(() => parseChecksumFile('<html>Not Found</html>', 'checksums.txt')).toThrow(/line 1 is not/);
  });

  it('compares digests case-insensitively and names file, expectation and source on a mismatch', () => {
    expect(() => assertDigest('a.zip', 'AB'.repeat(32), 'ab'.repeat(32), 'from checksums.txt')).not.toThrow();
    expect(() => assertDigest('a.zip', 'ab'.repeat(32), 'cd'.repeat(32), 'from checksums.txt')).toThrow(
      `SHA-256 mismatch for a.zip: expected ${'ab'.repeat(32)} (from checksums.txt), got ${'cd'.repeat(32)}.`,
    );
  });
});

describe("OpenTofu's embedded signing key", () => {
  it('has the published fingerprint E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80', async () => {
    const key = await openpgp.readKey({ armoredKey: OPENTOFU_KEY_ARMORED });
    expect(key.getFingerprint().toUpperCase()).toBe('E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80');
    expect(OPENTOFU_KEY_FINGERPRINT).toBe('E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80');
    expect(key.getUserIDs()).toEqual(['OpenTofu (This key is used to sign opentofu providers) <core@opentofu.org>']);
    await expect(key.verifyPrimaryKey()).resolves.toBeUndefined();
  });

  it('verifies the real signature of tofu 1.8.5 SHA256SUMS', async () => {
    await expect(verifyDetachedSignature(bytes(TOFU_185_SUMS), TOFU_185_GPGSIG, embedded, files)).resolves.toBe(
      OPENTOFU_KEY_FINGERPRINT,
    );
  });

  it('refuses that signature over a checksum file with one digit changed or one byte appended', async () => {
    const tampered = TOFU_185_SUMS.replace('e2951ba6', 'f2951ba6');
    expect(tampered).not.toBe(TOFU_185_SUMS);
    await expect(verifyDetachedSignature(bytes(tampered), TOFU_185_GPGSIG, embedded, files)).rejects.toThrow(
      /^Signature check failed: tofu_1.8.5_SHA256SUMS.gpgsig does not verify tofu_1.8.5_SHA256SUMS with OpenTofu's signing key E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80: /,
    );
    await expect(
      verifyDetachedSignature(bytes(`${TOFU_185_SUMS}\n`), TOFU_185_GPGSIG, embedded, files),
    ).rejects.toThrow(ToolInstallError);
  });

  it('refuses an embedded key whose fingerprint is not the expected one (a corrupt build)', async () => {
    const { publicKey } = await generateKey('Impostor <impostor@example.com>');
    const impostor: TrustedKey = { ...embedded, armored: publicKey };
    await expect(loadTrustedKey(impostor)).rejects.toThrow(
      /^The embedded OpenTofu signing key has fingerprint [0-9A-F]{40}, expected E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80/,
    );
  });
});

const generateKey = generateSigningKey;
const sign = async (data: string, privateKey: openpgp.PrivateKey, armored: boolean): Promise<Uint8Array> =>
  signDetached(bytes(data), privateKey, armored ? 'armored' : 'binary');

describe('signatures made with a key the tests generate', () => {
  const sums = `${'1'.repeat(64)}  tofu_9.9.9_linux_amd64.zip\n`;
  const testFiles = { data: 'tofu_9.9.9_SHA256SUMS', signature: 'tofu_9.9.9_SHA256SUMS.gpgsig' };
  let trusted: Awaited<ReturnType<typeof generateKey>>;
  let other: Awaited<ReturnType<typeof generateKey>>;
  let key: TrustedKey;

  beforeAll(async () => {
    [trusted, other] = await Promise.all([
      generateKey('Test <test@example.com>'),
      generateKey('Other <o@example.com>'),
    ]);
    key = trustedOpenTofuKey({ [SIGNING_KEY_ENV]: trusted.publicKey }, LOOPBACK_MIRROR);
  });

  it('trusts the key in the environment variable instead of the embedded one, without a fingerprint pin', () => {
    expect(key).toEqual({ armored: trusted.publicKey.trim(), label: `the key in ${SIGNING_KEY_ENV}` });
    expect(trustedOpenTofuKey({ [SIGNING_KEY_ENV]: '  ' })).toEqual(trustedOpenTofuKey({}));
  });

  it('honours that key only with a tool-mirror-url on 127.0.0.1 or [::1], which only a test can have started', () => {
    const env = { [SIGNING_KEY_ENV]: trusted.publicKey };
    for (const mirror of [
      'http://127.0.0.1:8080',
      'https://127.0.0.1/releases',
      'http://127.4.5.6:1',
      'http://[::1]:9',
    ]) {
      expect(trustedOpenTofuKey(env, mirror).label, mirror).toBe(`the key in ${SIGNING_KEY_ENV}`);
    }
    for (const mirror of [
      undefined,
      'https://mirror.example.com',
      'http://localhost:8080',
      'https://127.0.0.1.nip.io',
      'http://0.0.0.0:80',
      'not a url',
    ]) {
      expect(() => trustedOpenTofuKey(env, mirror), String(mirror)).toThrow(ToolInstallError);
    }
    expect(() => trustedOpenTofuKey(env, 'https://mirror.example.com')).toThrow(
      `${SIGNING_KEY_ENV} is set, but a replacement for OpenTofu's signing key is honoured only in tests, with a ` +
        "'tool-mirror-url' on 127.0.0.1 or [::1]; this run downloads from https://mirror.example.com. Unset " +
        `${SIGNING_KEY_ENV}: tofu releases are verified with OpenTofu's own key ${OPENTOFU_KEY_FINGERPRINT}.`,
    );
    expect(() => trustedOpenTofuKey(env)).toThrow(
      /this run downloads from https:\/\/github\.com \(no 'tool-mirror-url'\)/,
    );
    // Without the variable, the embedded key, wherever the files come from.
    expect(trustedOpenTofuKey({}, 'https://mirror.example.com').expectedFingerprint).toBe(OPENTOFU_KEY_FINGERPRINT);
  });

  it.each([true, false])(
    'verifies a detached signature (armored: %s) and returns the signer fingerprint',
    async (armored) => {
      const signature = await sign(sums, trusted.privateKey, armored);
      await expect(verifyDetachedSignature(bytes(sums), signature, key, testFiles)).resolves.toBe(
        trusted.privateKey.getFingerprint().toUpperCase(),
      );
    },
  );

  it('refuses a signature over other data', async () => {
    const signature = await sign(sums.replace('1', '2'), trusted.privateKey, true);
    await expect(verifyDetachedSignature(bytes(sums), signature, key, testFiles)).rejects.toThrow(
      /^Signature check failed: tofu_9.9.9_SHA256SUMS.gpgsig does not verify tofu_9.9.9_SHA256SUMS with the key in FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY: /,
    );
  });

  it('refuses a valid signature by a key that is not trusted', async () => {
    const signature = await sign(sums, other.privateKey, true);
    await expect(verifyDetachedSignature(bytes(sums), signature, key, testFiles)).rejects.toThrow(ToolInstallError);
    await expect(verifyDetachedSignature(bytes(sums), signature, embedded, testFiles)).rejects.toThrow(
      /with OpenTofu's signing key E3E6E43D84CB852EADB0051D0C0AF313E5FD9F80/,
    );
  });

  it('refuses bytes that are not a signature, and an empty file', async () => {
    for (const garbage of [
      bytes('<html>404</html>'),
      new Uint8Array(),
      bytes('-----BEGIN PGP SIGNATURE-----\n\nAAAA\n'),
    ]) {
      await expect(verifyDetachedSignature(bytes(sums), garbage, key, testFiles)).rejects.toThrow(
        /does not verify tofu_9.9.9_SHA256SUMS .*: it is not an OpenPGP signature/,
      );
    }
  });

  it('refuses a signature with a flipped byte in its signature value', async () => {
    const signature = Buffer.from(await sign(sums, trusted.privateKey, false));
    signature.writeUInt8(signature.readUInt8(signature.length - 5) ^ 0x01, signature.length - 5);
    await expect(verifyDetachedSignature(bytes(sums), signature, key, testFiles)).rejects.toThrow(ToolInstallError);
  });

  it('refuses an environment key that is not an armored public key, naming the variable', async () => {
    const bad = trustedOpenTofuKey({ [SIGNING_KEY_ENV]: 'not a key' }, LOOPBACK_MIRROR);
    await expect(
      verifyDetachedSignature(bytes(sums), await sign(sums, trusted.privateKey, true), bad, testFiles),
    ).rejects.toThrow(/^Cannot read the key in FLUX_BOOTSTRAP_OPENTOFU_SIGNING_KEY as an armored OpenPGP public key/);
  });
});
