// The Git credential inputs: what each accepts, how they fit together and with git-url, what reaches tofu (only
// the environment variable of the root's ephemeral git_credentials, never the tfvars), and that secrets stay hidden.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secretValues } from '../src/inputs/read.js';
import { parseInputs, type ActionInputs, type InputName, type RawInputs } from '../src/inputs/schema.js';
import { toolEnvironment, withoutTofuVariables } from '../src/process.js';
import { renderInputsTable } from '../src/report/summary.js';
import { gitCredentialsEnvironment, renderFluxObject, renderTfvars } from '../src/tfvars/render.js';
import { fakeKubeconfig } from './support/action-runner.js';
import { makeTestTls } from './support/tls.js';

const HTTPS = 'https://git.example.com/wildside/fleet';
const SSH = 'ssh://git@git.example.com/wildside/fleet';
const PASSWORD = 'glpat-s3cr3t-${not.a.template}-%{nor.this}';
const KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const KNOWN_HOSTS = 'git.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function parse(extra: RawInputs): ReturnType<typeof parseInputs> {
  return parseInputs({ 'git-url': HTTPS, kubeconfig: fakeKubeconfig(), ...extra });
}

function ok(extra: RawInputs): ActionInputs {
  const result = parse(extra);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.inputs;
}

function refusal(extra: RawInputs, input: InputName): string {
  const result = parse(extra);
  if (result.ok) throw new Error(`expected ${Object.keys(extra).join(', ')} to be refused`);
  const error = result.errors.find((e) => e.input === input);
  if (!error) throw new Error(`no error for ${input}: ${result.errors.map((e) => e.message).join('; ')}`);
  return error.message;
}

describe('HTTPS credentials', () => {
  it('take a password or token, with "git" as the user name unless one is given', () => {
    expect(ok({ 'git-password': PASSWORD }).gitCredentials).toEqual({
      data: { username: 'git', password: PASSWORD },
      revision: 1,
    });
    expect(
      ok({ 'git-username': 'flux', 'git-password': PASSWORD, 'git-credentials-revision': '3' }).gitCredentials,
    ).toEqual({ data: { username: 'flux', password: PASSWORD }, revision: 3 });
  });

  it('add the CA of a private server as ca.crt, also without a password', async () => {
    const { caPem } = await makeTestTls();
    expect(ok({ 'git-ca-certificate': caPem }).gitCredentials?.data).toEqual({ 'ca.crt': `${caPem.trim()}\n` });
  });

  it('refuse a user name without a password, and either on an ssh:// URL', () => {
    expect(refusal({ 'git-username': 'flux' }, 'git-username')).toMatch(/needs git-password/);
    expect(refusal({ 'git-url': SSH, 'git-password': PASSWORD }, 'git-password')).toMatch(
      /for https:\/\/ repositories; an ssh:\/\/ git-url takes git-ssh-private-key/,
    );
  });

  it('refuse a password on two lines, and never show it', () => {
    const message = refusal({ 'git-password': 'line-one\nline-two' }, 'git-password');
    expect(message).toMatch(/\(value hidden\) is not accepted: expected a password or token on one line/);
    expect(message).not.toContain('line-one');
  });

  it('refuse a CA that is not a certificate, showing what was given (a CA is public)', () => {
    expect(refusal({ 'git-ca-certificate': 'not a pem' }, 'git-ca-certificate')).toMatch(
      /"not a pem" is not accepted: expected one or more PEM certificates/,
    );
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    expect(refusal({ 'git-ca-certificate': broken }, 'git-ca-certificate')).toMatch(/does not parse as an X.509/);
  });
});

describe('SSH credentials', () => {
  it('take a private key with the known hosts of the server', () => {
    const credentials = ok({ 'git-url': SSH, 'git-ssh-private-key': KEY, 'git-ssh-known-hosts': KNOWN_HOSTS });
    expect(credentials.gitCredentials?.data).toEqual({ identity: KEY, known_hosts: `${KNOWN_HOSTS}\n` });
  });

  it('need known hosts, refuse them alone, and refuse a key on an https:// URL', () => {
    expect(refusal({ 'git-url': SSH, 'git-ssh-private-key': KEY }, 'git-ssh-known-hosts')).toMatch(/ssh-keyscan/);
    expect(refusal({ 'git-url': SSH, 'git-ssh-known-hosts': KNOWN_HOSTS }, 'git-ssh-known-hosts')).toMatch(
      /goes with git-ssh-private-key/,
    );
    expect(refusal({ 'git-ssh-private-key': KEY, 'git-ssh-known-hosts': KNOWN_HOSTS }, 'git-ssh-private-key')).toMatch(
      /for ssh:\/\/ repositories/,
    );
  });

  it('refuse what is not a private key, or one behind a passphrase, without showing it', () => {
    const notKey = refusal(
      { 'git-url': SSH, 'git-ssh-private-key': 'ssh-ed25519 AAAA', 'git-ssh-known-hosts': KNOWN_HOSTS },
      'git-ssh-private-key',
    );
    expect(notKey).toMatch(/\(value hidden\).*expected a private key in PEM or OpenSSH form/);
    expect(notKey).not.toContain('AAAA');
    const encrypted = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nabc\n-----END RSA PRIVATE KEY-----';
    expect(
      refusal(
        { 'git-url': SSH, 'git-ssh-private-key': encrypted, 'git-ssh-known-hosts': KNOWN_HOSTS },
        'git-ssh-private-key',
      ),
    ).toMatch(/without a passphrase/);
  });

  it('refuse a known_hosts line that is not one, naming it', () => {
    const message = refusal(
      { 'git-url': SSH, 'git-ssh-private-key': KEY, 'git-ssh-known-hosts': `${KNOWN_HOSTS}\ngit.example.com` },
      'git-ssh-known-hosts',
    );
    expect(message).toMatch(/line "git.example.com" is not a known_hosts entry/);
  });
});

describe('the credentials with the rest of the inputs', () => {
  it('are refused with a working-directory of your own, whose root writes its own Secret', () => {
    expect(refusal({ 'git-password': PASSWORD, 'working-directory': 'infra' }, 'git-password')).toMatch(
      /a working-directory of your own manages its Secret itself/,
    );
  });

  it('refuse a revision without credentials, or one that is not a whole number from 1', () => {
    expect(refusal({ 'git-credentials-revision': '2' }, 'git-credentials-revision')).toMatch(/none are/);
    for (const bad of ['0', '-1', '1.5', 'two'])
      expect(
        refusal({ 'git-password': PASSWORD, 'git-credentials-revision': bad }, 'git-credentials-revision'),
      ).toMatch(/expected a whole number of at least 1/);
  });

  it('reach tofu only through TF_VAR_git_credentials, with HCL template sequences escaped; tfvars hold the revision', () => {
    const inputs = ok({ 'git-password': PASSWORD, 'git-credentials-revision': '2' });
    const flux = renderFluxObject(inputs, { helmValuesFiles: [] });
    expect(renderTfvars(flux)).not.toContain('s3cr3t');
    expect(flux.git).toMatchObject({ secret_name: null, credentials_revision: 2 });
    const env = gitCredentialsEnvironment(inputs);
    expect(Object.keys(env)).toEqual(['TF_VAR_git_credentials']);
    expect(env.TF_VAR_git_credentials).toContain('$${not.a.template}-%%{nor.this}');
    expect(gitCredentialsEnvironment(ok({}))).toEqual({});
    expect(renderFluxObject(ok({}), { helmValuesFiles: [] }).git.credentials_revision).toBeNull();
  });

  it('are scrubbed from every report: the password and each line of the key', () => {
    const https = secretValues(ok({ 'git-password': PASSWORD }));
    expect(https).toContain(PASSWORD);
    const ssh = secretValues(ok({ 'git-url': SSH, 'git-ssh-private-key': KEY, 'git-ssh-known-hosts': KNOWN_HOSTS }));
    for (const line of KEY.trim()
      .split('\n')
      .filter((l) => !l.startsWith('-----')))
      expect(ssh).toContain(line);
  });

  it('show in the inputs table of the summary and comment only as set, the user name and revision as they are', () => {
    const table = renderInputsTable(
      ok({ 'git-username': 'flux', 'git-password': PASSWORD, 'git-credentials-revision': '4' }),
    );
    expect(table).toContain('| `git-username` | flux |');
    expect(table).toContain('| `git-password` | set (masked) |');
    expect(table).toContain('| `git-ssh-private-key` | not set |');
    expect(table).toContain('| `git-credentials-revision` | 4 |');
    expect(table).not.toContain('s3cr3t');
  });

  it('stay out of the environment of programs that are not tofu, such as a kubeconfig exec plugin', () => {
    const env = toolEnvironment({ AWS_PROFILE: 'ci', ...gitCredentialsEnvironment(ok({ 'git-password': PASSWORD })) });
    expect(env.TF_VAR_git_credentials).toContain('s3cr3t');
    const plugin = withoutTofuVariables(env);
    expect(JSON.stringify(plugin)).not.toContain('s3cr3t');
    expect(plugin.AWS_PROFILE).toBe('ci');
  });
});
