// A throwaway CA and a server certificate for 127.0.0.1 and localhost, made with the openssl CLI, so the test
// servers speak real TLS and their clients verify it (Go clients such as tofu and its helm provider through
// SSL_CERT_FILE=caFile, Node clients through the `ca` option). Valid for two days; nothing is kept.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestTls {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** Writes ca.crt, server.crt and server.key into `dir` (a new temporary directory when omitted). */
export async function makeTestTls(dir?: string): Promise<TestTls> {
  const out = dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'flux-tls-')));
  await fs.mkdir(out, { recursive: true });
  const file = (name: string): string => path.join(out, name);
  const openssl = (args: string[]): Promise<unknown> => run('openssl', args, { cwd: out });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  // prettier-ignore
  await openssl([
    'req', '-x509', ...ecKey, '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '2',
    '-subj', '/CN=flux-bootstrap test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl(['req', ...ecKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1']);
  // Go ignores the CN: the names must be in subjectAltName.
  await fs.writeFile(
    file('server.ext'),
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  // prettier-ignore
  await openssl([
    'x509', '-req', '-in', file('server.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', file('server.ext'), '-out', file('server.crt'),
  ]);

  const [caPem, certPem, keyPem] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map((name) => fs.readFile(file(name), 'utf8')),
  );
  return {
    dir: out,
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    caPem: caPem!,
    certPem: certPem!,
    keyPem: keyPem!,
  };
}
