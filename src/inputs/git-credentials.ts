// Credentials for a private Git repository, given as inputs: checked here, then written by the Flux module into the
// Secret the GitRepository reads, through a write-only attribute, so they reach neither tfvars, plans nor state
// (modules/fluxcd: kubernetes_secret_v1.git_credentials). Keys are those Flux reads from a Git secret.
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { Field } from './fields.js';

/** The inputs that make up the credentials; the secret ones are masked as they are read. */
export const GIT_CREDENTIAL_INPUTS = [
  'git-username',
  'git-password',
  'git-ssh-private-key',
  'git-ssh-known-hosts',
  'git-ca-certificate',
] as const;
export const GIT_SECRET_INPUTS = ['git-password', 'git-ssh-private-key'] as const;

export interface GitCredentials {
  /** The Secret's data, under Flux's keys: username/password, identity/known_hosts, ca.crt. */
  data: Record<string, string>;
  /** Bumped by the user to rewrite the Secret: OpenTofu cannot see a change in a write-only value. */
  revision: number;
}

/** What git-username falls back to with a password or token: hosts that take a token ignore the name. */
export const DEFAULT_GIT_USERNAME = 'git';

// Multi-line values keep their lines; only the ends are trimmed, and PEM bodies get the final newline they need.
const block = z
  .string()
  .optional()
  .transform((v) => (v ?? '').trim());

function blockField(check: (value: string) => string | null): Field<string | undefined> {
  return block.transform((value, ctx) => {
    if (value === '') return undefined;
    const problem = check(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    return `${value.replace(/\r\n/g, '\n')}\n`;
  });
}

const username: Field<string | undefined> = block.transform((value, ctx) => {
  if (value === '') return undefined;
  if (/[:\s]/.test(value)) ctx.addIssue({ code: 'custom', message: 'expected a user name without ":" or spaces' });
  return value;
});

const password: Field<string | undefined> = block.transform((value, ctx) => {
  if (value === '') return undefined;
  if (/[\r\n]/.test(value)) ctx.addIssue({ code: 'custom', message: 'expected a password or token on one line' });
  return value;
});

const privateKey = blockField((value) =>
  /^-----BEGIN [A-Z ]*PRIVATE KEY-----\n[\s\S]+\n-----END [A-Z ]*PRIVATE KEY-----$/.test(value.replace(/\r\n/g, '\n'))
    ? /ENCRYPTED/.test(value)
      ? 'expected a private key without a passphrase: Flux cannot ask for one'
      : null
    : 'expected a private key in PEM or OpenSSH form (-----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----)',
);

const knownHosts = blockField((value) => {
  for (const line of value.split(/\r?\n/)) {
    const entry = line.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    const fields = entry.split(/\s+/);
    const keyAt = fields[0]?.startsWith('@') ? 2 : 1;
    if (fields.length < keyAt + 2 || !/^(ssh-|ecdsa-|sk-)/.test(fields[keyAt] ?? '')) {
      return `line ${JSON.stringify(entry)} is not a known_hosts entry: expected "host key-type base64-key", as ssh-keyscan prints`;
    }
  }
  return null;
});

const caCertificate = blockField((value) => {
  const blocks = value.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return 'expected one or more PEM certificates (-----BEGIN CERTIFICATE----- …)';
  for (const pem of blocks) {
    try {
      new X509Certificate(pem);
    } catch {
      return 'a PEM block does not parse as an X.509 certificate';
    }
  }
  return null;
});

const revision: Field<number> = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const value = (raw ?? '').trim();
    if (value === '') return 1;
    if (!/^[1-9][0-9]{0,8}$/.test(value))
      ctx.addIssue({ code: 'custom', message: 'expected a whole number of at least 1, increased to rotate' });
    return Number(value);
  });

export const gitCredentialFields = {
  'git-username': username,
  'git-password': password,
  'git-ssh-private-key': privateKey,
  'git-ssh-known-hosts': knownHosts,
  'git-ca-certificate': caCertificate,
  'git-credentials-revision': revision,
};

type Parsed = { [K in keyof typeof gitCredentialFields]?: z.output<(typeof gitCredentialFields)[K]> };
type Complaint = (input: keyof typeof gitCredentialFields, accepted: string) => void;

/** The rules that tie the credentials to each other, to the URL's scheme and to where the root comes from. */
export function checkGitCredentials(
  p: Parsed & { url?: string; workingDirectory?: string; revisionGiven: boolean },
  err: Complaint,
): void {
  const scheme = p.url ? new URL(p.url).protocol : undefined;
  const https = Boolean(p['git-password'] || p['git-username']);
  const ssh = Boolean(p['git-ssh-private-key'] || p['git-ssh-known-hosts']);
  if (p['git-username'] && !p['git-password'])
    err('git-username', 'it needs git-password (the password or access token to go with it)');
  if (https && scheme === 'ssh:')
    err(
      p['git-password'] ? 'git-password' : 'git-username',
      'it is for https:// repositories; an ssh:// git-url takes git-ssh-private-key',
    );
  if (ssh && scheme === 'https:')
    err(
      p['git-ssh-private-key'] ? 'git-ssh-private-key' : 'git-ssh-known-hosts',
      'it is for ssh:// repositories; an https:// git-url takes git-password',
    );
  if (p['git-ssh-private-key'] && !p['git-ssh-known-hosts'])
    err(
      'git-ssh-known-hosts',
      "required with git-ssh-private-key: Flux checks the server's host key (ssh-keyscan <host>)",
    );
  if (p['git-ssh-known-hosts'] && !p['git-ssh-private-key'])
    err('git-ssh-known-hosts', 'it goes with git-ssh-private-key');
  if (p['git-ca-certificate'] && scheme === 'ssh:')
    err('git-ca-certificate', 'a CA certificate is for https:// repositories; ssh:// checks git-ssh-known-hosts');
  const any = GIT_CREDENTIAL_INPUTS.some((name) => p[name] !== undefined);
  if (any && p.workingDirectory)
    err(
      GIT_CREDENTIAL_INPUTS.find((name) => p[name] !== undefined)!,
      "the shipped root's Flux module writes these credentials; a working-directory of your own manages its Secret itself",
    );
  if (p.revisionGiven && !any)
    err(
      'git-credentials-revision',
      'it rotates credentials given as git-password or git-ssh-private-key, and none are',
    );
}

/** The credentials as the module writes them, or undefined for a public repository (or one with a Secret of its own). */
export function gitCredentials(p: Parsed): GitCredentials | undefined {
  const data: Record<string, string> = {};
  if (p['git-password']) {
    data.username = p['git-username'] ?? DEFAULT_GIT_USERNAME;
    data.password = p['git-password'];
  }
  if (p['git-ssh-private-key']) data.identity = p['git-ssh-private-key'];
  if (p['git-ssh-known-hosts']) data.known_hosts = p['git-ssh-known-hosts'];
  if (p['git-ca-certificate']) data['ca.crt'] = p['git-ca-certificate'];
  return Object.keys(data).length === 0 ? undefined : { data, revision: p['git-credentials-revision'] ?? 1 };
}
