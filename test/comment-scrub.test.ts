// scrubSecrets: every form in which tofu could print a secret is replaced, structure that is not secret stays.
import { describe, expect, it } from 'vitest';
import { SCRUBBED, scrubSecrets, secretVariants } from '../src/report/scrub.js';

const kubeconfig = `apiVersion: v1
kind: Config
users:
- name: ci
  user:
    token: "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.payload.signature"
    client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t
`;

describe('scrubSecrets', () => {
  it('replaces a secret wherever it appears', () => {
    expect(scrubSecrets('a=tok-123-abc b=tok-123-abc', ['tok-123-abc'])).toBe(`a=${SCRUBBED} b=${SCRUBBED}`);
  });

  it('replaces a multi-line secret whole, in the escaped form tofu prints, and its credential values alone', () => {
    const printed = [
      `input = ${JSON.stringify(kubeconfig)}`,
      'Error: Unauthorized: token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.payload.signature rejected',
      '      client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t',
      kubeconfig,
    ].join('\n');
    const scrubbed = scrubSecrets(printed, [kubeconfig]);
    expect(scrubbed).not.toContain('eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9');
    expect(scrubbed).not.toContain('LS0tLS1CRUdJTiBFQyBQUklWQVRFIEtFWS0tLS0t');
    expect(scrubbed).toContain(`input = "${SCRUBBED}"`);
    expect(scrubbed).toContain(`Error: Unauthorized: token ${SCRUBBED} rejected`);
  });

  it('leaves short structural lines of a secret readable elsewhere', () => {
    const text = 'apiVersion: v1\nkind: Config\n';
    expect(scrubSecrets(text, [kubeconfig])).toBe(text);
  });

  it('takes secrets literally (regular expression characters) and prefers the longest match', () => {
    expect(scrubSecrets('p=a.b*c(d) q=aXb', ['a.b*c(d)'])).toBe(`p=${SCRUBBED} q=aXb`);
    expect(scrubSecrets('xx-long-secret-xx', ['long', 'xx-long-secret-xx'])).toBe(SCRUBBED);
  });

  it('ignores empty and blank secrets, and leaves text alone without secrets', () => {
    expect(scrubSecrets('text', ['', '   '])).toBe('text');
    expect(scrubSecrets('text', [])).toBe('text');
    expect(secretVariants(['', ' \n '])).toEqual([]);
  });
});
