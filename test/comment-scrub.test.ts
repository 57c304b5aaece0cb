// scrubSecrets: every form in which tofu could print a secret is replaced, structure that is not secret stays.
import { describe, expect, it } from 'vitest';
import type { PlanReport } from '../src/report/comment.js';
import { SCRUBBED, scrubPlanReport, scrubSecrets, secretVariants } from '../src/report/scrub.js';

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

describe('scrubPlanReport', () => {
  it('scrubs every string the comment shows: addresses, drift, outputs, findings, texts', () => {
    const secret = 'hunter2-hunter2';
    const at = (where: string): string => `${where} ${secret}`;
    const report: PlanReport = {
      target: 'modules/root',
      headSha: 'abc',
      runUrl: 'https://example/run',
      onMerge: at('merge'),
      planHash: null,
      policy: {
        result: 'fail',
        failures: [{ input: 'plan', message: at('msg'), namespace: at('ns'), subject: at('subject') }],
        warnings: [],
        successes: 0,
        inputs: ['plan'],
      },
      plan: {
        exitCode: 1,
        text: at('text'),
        error: at('error'),
        summary: {
          add: 1,
          change: 0,
          destroy: 0,
          replace: 0,
          import: 0,
          move: 1,
          forget: 0,
          hasChanges: true,
          changes: [{ address: `x["${secret}"]`, type: 'x', action: 'create', previousAddress: `y["${secret}"]` }],
          drift: [{ address: `z["${secret}"]`, type: 'z', action: 'update' }],
          outputChanges: [{ name: at('out'), action: 'create' }],
        },
      },
    };
    const scrubbed = JSON.stringify(scrubPlanReport(report, [secret]));
    expect(scrubbed).not.toContain(secret);
    expect(scrubbed.split(SCRUBBED).length - 1).toBe(10);
  });
});
