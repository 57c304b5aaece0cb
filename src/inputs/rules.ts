// The value rules shared by the action's inputs and kept in step with the OpenTofu module's validation
// (modules/fluxcd/variables.tf) and the Conftest policies (policy/). Each rule returns null when the value is
// acceptable, or the sentence that says what is accepted.

export type Rule = (value: string) => string | null;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Whole seconds or minutes, never zero: the module and policy refuse hours and compound durations. */
export const INTERVAL_PATTERN = /^[1-9][0-9]*(s|m)$/;
const EXACT_SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SCP_FORM = /^([A-Za-z0-9._-]+)@([A-Za-z0-9.-]+):(?!\/\/)(.+)$/;

/**
 * What a Git URL may be made of: RFC 3986's unreserved characters, %-escapes, the delimiters of scheme, user, host,
 * port and path, and the harmless sub-delimiters + , =. Whitespace, quotes, shell characters ($ ; & | ` ( ) ! * '),
 * backslashes and angle brackets are not part of any repository's URL and break Git, Flux or whatever quotes them.
 */
const GIT_URL_CHARACTER = /[A-Za-z0-9\-._~%:/@+,=[\]]/;
const GIT_URL_EXPECTED =
  'expected an https:// or ssh:// URL without query or fragment, made of letters, digits and - . _ ~ % : / @ + , =';

function characterName(c: string): string {
  if (c === ' ') return 'a space (" ")';
  if (c === '\t') return 'a tab';
  if (c === '\n' || c === '\r') return 'a line break';
  if (c === '"') return `a double quote ('"')`;
  if (c === "'") return `a single quote ("'")`;
  if (/\p{C}|\p{Z}/u.test(c)) return `the character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return JSON.stringify(c);
}

export const gitUrl: Rule = (value) => {
  const scp = SCP_FORM.exec(value);
  if (scp) {
    return `the scp form is not accepted by Flux; write it as ssh://${scp[1]}@${scp[2]}/${scp[3]}`;
  }
  const bad = [...value].find((c) => !GIT_URL_CHARACTER.test(c));
  if (bad !== undefined) return `${characterName(bad)} is not accepted in a Git URL: ${GIT_URL_EXPECTED}`;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return '"%" starts no escape: expected %XX with two hexadecimal digits';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https:// or ssh:// URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'ssh:') {
    return `scheme ${url.protocol.replace(/:$/, '')}:// is not accepted; expected https:// or ssh://`;
  }
  if (!url.hostname) return 'expected a host after the scheme';
  if (url.password) return 'credentials do not belong in the URL; put them in a Secret named by git-secret-name';
  if (url.pathname === '' || url.pathname === '/') {
    return "expected the repository's path after the host, such as https://github.com/acme/fleet";
  }
  return null;
};

/** git check-ref-format rules for a branch name. */
export const gitBranch: Rule = (value) => {
  const bad =
    value.length === 0 ||
    value.length > 255 ||
    value.startsWith('-') ||
    value.startsWith('/') ||
    value.endsWith('/') ||
    value.endsWith('.') ||
    value.endsWith('.lock') ||
    value.includes('..') ||
    value.includes('//') ||
    value.includes('@{') ||
    value === '@' ||
    /[\s~^:?*[\\]/.test(value) ||
    /\p{Cc}/u.test(value) ||
    value.split('/').some((part) => part.startsWith('.'));
  return bad ? 'expected a valid Git branch name (git check-ref-format), such as main or release/1.2' : null;
};

export const repositoryPath: Rule = (value) => {
  if (value.startsWith('/')) return 'expected a path relative to the repository root, such as ./ or ./clusters/dev';
  if (value.includes('\\')) return 'expected forward slashes only';
  if (value.split('/').includes('..')) return 'a ".." segment would climb out of the repository; use a path below it';
  if (/\p{Cc}/u.test(value)) return 'expected printable characters only';
  return null;
};

export const dnsLabel: Rule = (value) =>
  value.length <= 63 && DNS_LABEL.test(value)
    ? null
    : 'expected a DNS label: lowercase letters, digits and "-", starting and ending alphanumeric, at most 63 characters';

export const dnsSubdomain: Rule = (value) =>
  value.length <= 253 && DNS_SUBDOMAIN.test(value)
    ? null
    : 'expected a Kubernetes object name: lowercase letters, digits, "-" and ".", at most 253 characters';

export const reconcileInterval: Rule = (value) =>
  INTERVAL_PATTERN.test(value)
    ? null
    : 'expected whole seconds or minutes greater than zero, such as 30s, 1m or 15m (no hours, no compound durations)';

export const exactVersion: Rule = (value) =>
  EXACT_SEMVER.test(value) ? null : 'expected an exact chart version such as 2.18.0';

/** Where the flux2 chart comes from: an https:// Helm repository or an oci:// registry path, as the module checks it. */
export const chartRepository: Rule = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https:// Helm repository or an oci:// registry path, such as oci://ghcr.io/fluxcd-community/charts';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'oci:') {
    return `scheme ${url.protocol.replace(/:$/, '')}:// is not accepted; expected https:// (a Helm repository) or oci:// (a registry)`;
  }
  if (!url.host) return 'expected a host after the scheme';
  if (url.username || url.password)
    return 'credentials do not belong in the URL (they would land in the plan and state)';
  if (url.search || url.hash || /\s/.test(value)) return 'expected a URL without query, fragment or spaces';
  return null;
};

/** The state backends the shipped root can be initialised with (its backend block is written per run). */
export const SHIPPED_BACKENDS = [
  's3',
  'gcs',
  'azurerm',
  'pg',
  'http',
  'kubernetes',
  'oss',
  'cos',
  'consul',
  'local',
] as const;
export type ShippedBackend = (typeof SHIPPED_BACKENDS)[number];

export const shippedBackend: Rule = (value) =>
  (SHIPPED_BACKENDS as readonly string[]).includes(value) ? null : `expected one of ${SHIPPED_BACKENDS.join(', ')}`;

/** A relative path that stays inside the directory it is resolved against. */
export const workspaceRelativePath: Rule = (value) => {
  if (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value)) return 'expected a path relative to the workspace';
  if (value.split(/[\\/]/).includes('..')) return 'a ".." segment would leave the workspace';
  return null;
};

/** The Conftest data examples shipped in policy/data/, usable by name. */
export const SHIPPED_POLICY_DATA = ['advisory', 'strict'] as const;

export const policyDataFile: Rule = (value) =>
  (SHIPPED_POLICY_DATA as readonly string[]).includes(value)
    ? null
    : workspaceRelativePath(value) && `${workspaceRelativePath(value)}, or one of ${SHIPPED_POLICY_DATA.join(', ')}`;

const BACKEND_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
export const backendConfigLine: Rule = (value) => {
  const eq = value.indexOf('=');
  if (eq <= 0) return 'expected key=value';
  return BACKEND_KEY.test(value.slice(0, eq).trim()) ? null : 'expected key=value with a key of letters, digits, _ . -';
};

/** Durations for waits: whole seconds or minutes, at most an hour. */
export function durationSeconds(value: string): number | null {
  const match = /^([1-9][0-9]*)(s|m)$/.exec(value);
  if (!match) return null;
  const seconds = Number(match[1]) * (match[2] === 'm' ? 60 : 1);
  return seconds <= 3600 ? seconds : null;
}

export const target: Rule = (value) =>
  /^[A-Za-z0-9._/:@-]{1,100}$/.test(value) ? null : 'expected at most 100 letters, digits or . _ / : @ -';

/** HTTPS anywhere; plain HTTP only on loopback, where nothing can sit in between (tests, local mirrors). */
export const mirrorUrl: Rule = (value) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'expected an https:// URL';
  }
  if (url.username || url.password) return 'credentials do not belong in the URL (they would appear in logs)';
  if (url.protocol === 'https:') return null;
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && loopback ? null : 'expected an https:// URL (http:// only on loopback)';
};
