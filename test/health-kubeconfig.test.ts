// Pure kubeconfig reading: every supported form, the refused ones, and errors that never quote the secret content.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigError, parseKubeconfig } from '../src/health/kubeconfig.js';
import { fakeKubeconfig } from './support/action-runner.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function config(
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
    ...extra,
  });
}

describe('parseKubeconfig', () => {
  it('reads the harness kubeconfig: server, insecure-skip-tls-verify and token', () => {
    expect(parseKubeconfig(fakeKubeconfig('https://127.0.0.1:6443', 'tok-123'))).toEqual({
      context: 'test',
      server: 'https://127.0.0.1:6443',
      insecureSkipTlsVerify: true,
      certificateAuthority: undefined,
      tlsServerName: undefined,
      clientCertificate: undefined,
      clientKey: undefined,
      token: { data: 'tok-123' },
      basic: undefined,
    });
  });

  it('decodes inline CA and client certificate data, and strips the trailing slash of the server', () => {
    const target = parseKubeconfig(
      config(
        { 'certificate-authority-data': b64('CA PEM'), 'tls-server-name': 'kubernetes.test' },
        { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') },
      ),
    );
    expect(target).toMatchObject({
      server: 'https://10.0.0.1:6443',
      insecureSkipTlsVerify: false,
      certificateAuthority: { data: 'CA PEM' },
      tlsServerName: 'kubernetes.test',
      clientCertificate: { data: 'CERT PEM' },
      clientKey: { data: 'KEY PEM' },
    });
  });

  it('keeps file references as paths, for the edge to resolve next to the kubeconfig', () => {
    const target = parseKubeconfig(
      config(
        { 'certificate-authority': 'ca.crt' },
        { 'client-certificate': '/etc/c.crt', 'client-key': 'c.key', tokenFile: 't' },
      ),
    );
    expect(target).toMatchObject({
      certificateAuthority: { file: 'ca.crt' },
      clientCertificate: { file: '/etc/c.crt' },
      clientKey: { file: 'c.key' },
      token: { file: 't' },
    });
  });

  it('reads basic auth', () => {
    expect(parseKubeconfig(config({}, { username: 'admin', password: 'pw' })).basic).toEqual({
      username: 'admin',
      password: 'pw',
    });
  });

  it('defaults to the only context when current-context is absent, and follows current-context otherwise', () => {
    const only = config({}, { token: 't' }, { 'current-context': undefined });
    expect(parseKubeconfig(only).context).toBe('ctx');
    const two = stringify({
      clusters: [
        { name: 'a', cluster: { server: 'https://a.example' } },
        { name: 'b', cluster: { server: 'https://b.example' } },
      ],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'first', context: { cluster: 'a', user: 'u' } },
        { name: 'second', context: { cluster: 'b', user: 'u' } },
      ],
      'current-context': 'second',
    });
    expect(parseKubeconfig(two).server).toBe('https://b.example');
  });

  const refusals: [string, string, RegExp][] = [
    ['not YAML', 'a: [unclosed', /is not valid YAML/],
    ['a scalar', 'just-a-token', /is not a kubeconfig mapping/],
    ['no context', stringify({ clusters: [], contexts: [] }), /has no current-context/],
    ['a dangling context', config({}, {}, { 'current-context': 'nope' }), /context "nope", which is not defined/],
    ['plain http', config({ server: 'http://10.0.0.1' }, { token: 'secret-http' }), /has no https:\/\/ server/],
    [
      'an exec plugin',
      config({}, { exec: { command: 'doctl', args: ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential'] } }),
      /exec plugin or auth provider/,
    ],
  ];
  for (const [what, content, message] of refusals) {
    it(`refuses ${what} with a message naming the input and not its content`, () => {
      let error: unknown;
      try {
        parseKubeconfig(content);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KubeconfigError);
      const text = (error as Error).message;
      expect(text).toMatch(/^Input 'kubeconfig': /);
      expect(text).toMatch(message);
      for (const secret of ['unclosed', 'just-a-token', 'secret-http', 'exec-credential'])
        expect(text).not.toContain(secret);
    });
  }
});
