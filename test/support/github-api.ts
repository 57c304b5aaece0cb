// A GitHub REST API stand-in: a real HTTP server on 127.0.0.1 serving the endpoints the action uses (the issue
// comments of a pull request with pagination and Link headers, create/update/delete of a comment, GET /user, the
// pull requests of a commit, one pull request, and the repository's issues: github-issues.ts). It authenticates tokens like GitHub does for a user token and for
// an installation token (GET /user refused, writes refused when read-only as on a fork), records every request,
// can fail the next N requests of a route with a chosen status, and can hold requests to make races happen.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IssueFailure, IssueStore } from './github-issues.js';

export type RouteName =
  | 'get-user'
  | 'list-comments'
  | 'create-comment'
  | 'get-comment'
  | 'update-comment'
  | 'delete-comment'
  | 'commit-pulls'
  | 'get-pull'
  | 'list-issues'
  | 'create-issue'
  | 'get-issue'
  | 'update-issue'
  | 'unknown';

export interface Identity {
  login: string;
  id: number;
  type: 'User' | 'Bot';
  /** An installation token: GET /user answers 403, as for the workflow's GITHUB_TOKEN. */
  installation?: boolean;
  /** Writes answer 403, as for a pull request from a fork. */
  readOnly?: boolean;
  /** `read`: issue writes answer 403, as for a job without `permissions: issues: write`. Default `write`. */
  issues?: 'read' | 'write';
  app?: { id: number; slug: string; name: string };
}

export interface StoredComment {
  id: number;
  owner: string;
  repo: string;
  issue: number;
  body: string;
  user: Identity;
  created_at: string;
  updated_at: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  route: RouteName;
  /** The token the request authenticated with, if any. */
  token?: string;
  body?: unknown;
  status: number;
}

export interface StoredPull {
  owner: string;
  repo: string;
  number: number;
  merged_at: string | null;
  merge_commit_sha: string | null;
  /** Commits the pull request contains (the commits/{sha}/pulls lookup matches these and the merge commit). */
  commits: string[];
  /** The head commit (head.sha); defaults to the last of `commits`. */
  headSha?: string;
  /** List it in commits/{sha}/pulls without merge fields, so a client has to read pulls/{n}. */
  listedWithoutMergeFields?: boolean;
}

interface Failure {
  status: number;
  times: number;
  message: string;
  headers: Record<string, string>;
}

interface Barrier {
  count: number;
  waiting: (() => void)[];
}

const ROUTES: [string, RegExp, RouteName][] = [
  ['GET', /^\/user$/, 'get-user'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, 'list-comments'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, 'create-comment'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, 'get-comment'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, 'update-comment'],
  ['DELETE', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, 'delete-comment'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/commits\/([0-9a-f]+)\/pulls$/, 'commit-pulls'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, 'get-pull'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues$/, 'list-issues'],
  ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues$/, 'create-issue'],
  ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/, 'get-issue'],
  ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)$/, 'update-issue'],
];

export const GITHUB_ACTIONS_BOT: Identity = {
  login: 'github-actions[bot]',
  id: 41898282,
  type: 'Bot',
  installation: true,
  app: { id: 15368, slug: 'github-actions', name: 'GitHub Actions' },
};

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class GitHubApiStandIn {
  readonly requests: RecordedRequest[] = [];
  readonly htmlBase = 'https://github.example';
  private readonly tokens = new Map<string, Identity>();
  private readonly stored: StoredComment[] = [];
  private readonly pulls: StoredPull[] = [];
  private readonly failures = new Map<RouteName, Failure[]>();
  private readonly barriers = new Map<RouteName, Barrier>();
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');
  /** The repository's issues (github-issues.ts). */
  readonly issues: IssueStore;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    this.issues = new IssueStore(() => this.tick(), url, this.htmlBase);
  }

  static async start(): Promise<GitHubApiStandIn> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const api = new GitHubApiStandIn(server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => void api.handle(req, res));
    return api;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Registers a token for an identity and returns it. */
  addToken(token: string, identity: Identity): string {
    this.tokens.set(token, identity);
    return token;
  }

  userToken(login: string): string {
    return this.addToken(`user-token-${login}`, { login, id: 5000 + this.tokens.size, type: 'User' });
  }

  installationToken(options: { readOnly?: boolean; issues?: 'read' | 'write' } = {}): string {
    const suffix = `${options.readOnly ? 'read-only' : 'write'}${options.issues === 'read' ? '-issues-read' : ''}`;
    return this.addToken(`ghs_installation-${suffix}`, {
      ...GITHUB_ACTIONS_BOT,
      readOnly: options.readOnly,
      issues: options.issues,
    });
  }

  /** Puts a comment in place as if someone had written it earlier. */
  seedComment(owner: string, repo: string, issue: number, body: string, author: Identity | string): StoredComment {
    const user = typeof author === 'string' ? { login: author, id: 9000, type: 'User' as const } : author;
    return this.store(owner, repo, issue, body, user);
  }

  comments(owner: string, repo: string, issue: number): StoredComment[] {
    return this.stored.filter((c) => c.owner === owner && c.repo === repo && c.issue === issue);
  }

  addPull(pull: StoredPull): void {
    this.pulls.push(pull);
  }

  /** The next `times` requests to `route` answer `status` with `message` (and headers, e.g. retry-after). */
  failNext(
    route: RouteName,
    status: number,
    options: { times?: number; message?: string; headers?: Record<string, string> } = {},
  ): void {
    const list = this.failures.get(route) ?? [];
    list.push({
      status,
      times: options.times ?? 1,
      message: options.message ?? `injected ${status}`,
      headers: options.headers ?? {},
    });
    this.failures.set(route, list);
  }

  /** Holds the next `count` requests to `route` until all of them have arrived: racing clients see the same state. */
  holdUntil(route: RouteName, count: number): void {
    this.barriers.set(route, { count, waiting: [] });
  }

  requestsTo(route: RouteName, method?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route && (!method || r.method === method));
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private store(owner: string, repo: string, issue: number, body: string, user: Identity): StoredComment {
    const at = this.tick();
    const comment = { id: this.nextId++, owner, repo, issue, body, user, created_at: at, updated_at: at };
    this.stored.push(comment);
    return comment;
  }

  private commentJson(c: StoredComment): Record<string, unknown> {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      url: `${this.url}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
      html_url: `${this.htmlBase}/${c.owner}/${c.repo}/pull/${c.issue}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${c.owner}/${c.repo}/issues/${c.issue}`,
      body: c.body,
      user: { login: c.user.login, id: c.user.id, type: c.user.type },
      created_at: c.created_at,
      updated_at: c.updated_at,
      author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
      performed_via_github_app: c.user.app ? { ...c.user.app, owner: { login: 'github' } } : null,
    };
  }

  private pullJson(p: StoredPull): Record<string, unknown> {
    return {
      number: p.number,
      html_url: `${this.htmlBase}/${p.owner}/${p.repo}/pull/${p.number}`,
      url: `${this.url}/repos/${p.owner}/${p.repo}/pulls/${p.number}`,
      state: p.merged_at ? 'closed' : 'open',
      merged_at: p.merged_at,
      merge_commit_sha: p.merge_commit_sha,
      head: { sha: p.headSha ?? p.commits.at(-1) ?? null, ref: `pr-${p.number}` },
      base: { ref: 'main' },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const found = ROUTES.find(([m, pattern]) => m === method && pattern.test(url.pathname));
    const route: RouteName = found?.[2] ?? 'unknown';
    const params = found ? found[1].exec(url.pathname)!.slice(1) : [];
    const raw = await readBody(req);
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      route,
      body: raw ? (JSON.parse(raw) as unknown) : undefined,
      status: 0,
    };
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token) record.token = token;
    this.requests.push(record);
    await this.wait(route);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const failure = this.takeFailure(route);
    if (failure) return send(failure.status, { message: failure.message }, failure.headers);
    try {
      const identity = token ? this.tokens.get(token) : undefined;
      if (!identity) throw new HttpFailure(401, 'Bad credentials');
      const result = this.route(route, params, url, identity, record.body as Record<string, unknown> | undefined);
      send(result.status, result.body, result.headers);
    } catch (error) {
      if (error instanceof HttpFailure || error instanceof IssueFailure)
        return send(error.status, { message: error.message });
      send(500, { message: String(error) });
    }
  }

  private async wait(route: RouteName): Promise<void> {
    const barrier = this.barriers.get(route);
    if (!barrier) return;
    await new Promise<void>((resolve) => {
      barrier.waiting.push(resolve);
      if (barrier.waiting.length >= barrier.count) {
        this.barriers.delete(route);
        for (const release of barrier.waiting) release();
      }
    });
  }

  private takeFailure(route: RouteName): Failure | undefined {
    const failure = this.failures.get(route)?.find((f) => f.times > 0);
    if (failure) failure.times--;
    return failure;
  }

  private route(
    route: RouteName,
    params: string[],
    url: URL,
    identity: Identity,
    body: Record<string, unknown> | undefined,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const [owner = '', repo = '', third = ''] = params;
    const forbidden = (): never => {
      throw new HttpFailure(403, 'Resource not accessible by integration');
    };
    const comment = (): StoredComment => {
      const c = this.stored.find((s) => s.owner === owner && s.repo === repo && s.id === Number(third));
      if (!c) throw new HttpFailure(404, 'Not Found');
      return c;
    };
    const validBody = (): string => {
      const text = body?.body;
      if (typeof text !== 'string' || text === '') throw new HttpFailure(422, 'Validation Failed: body is missing');
      if ([...text].length > 65_536)
        throw new HttpFailure(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
      return text;
    };
    switch (route) {
      case 'get-user':
        if (identity.installation) forbidden();
        return { status: 200, body: { login: identity.login, id: identity.id, type: identity.type } };
      case 'list-comments':
        return this.listPage(this.comments(owner, repo, Number(third)), url, (c) => this.commentJson(c));
      case 'list-issues':
        return this.listPage(this.issueList(owner, repo, url), url, (entry) => entry);
      case 'create-issue':
        return { status: 201, body: this.issues.json(this.issues.create(owner, repo, identity, body)) };
      case 'get-issue':
        return { status: 200, body: this.issues.json(this.issues.get(owner, repo, Number(third))) };
      case 'update-issue':
        return { status: 200, body: this.issues.json(this.issues.update(owner, repo, Number(third), identity, body)) };
      case 'create-comment': {
        if (identity.readOnly) forbidden();
        const created = this.store(owner, repo, Number(third), validBody(), identity);
        return { status: 201, body: this.commentJson(created) };
      }
      case 'get-comment':
        return { status: 200, body: this.commentJson(comment()) };
      case 'update-comment': {
        if (identity.readOnly) forbidden();
        const c = comment();
        c.body = validBody();
        this.clock += 1000;
        c.updated_at = new Date(this.clock).toISOString();
        return { status: 200, body: this.commentJson(c) };
      }
      case 'delete-comment': {
        if (identity.readOnly) forbidden();
        const c = comment();
        this.stored.splice(this.stored.indexOf(c), 1);
        return { status: 204 };
      }
      case 'commit-pulls': {
        const pulls = this.pulls.filter(
          (p) => p.owner === owner && p.repo === repo && (p.commits.includes(third) || p.merge_commit_sha === third),
        );
        const listed = pulls.map((p) => {
          const json = this.pullJson(p);
          if (p.listedWithoutMergeFields) {
            delete json.merged_at;
            delete json.merge_commit_sha;
          }
          return json;
        });
        return { status: 200, body: listed };
      }
      case 'get-pull': {
        const pull = this.pulls.find((p) => p.owner === owner && p.repo === repo && p.number === Number(third));
        if (!pull) throw new HttpFailure(404, 'Not Found');
        return { status: 200, body: this.pullJson(pull) };
      }
      default:
        throw new HttpFailure(404, 'Not Found');
    }
  }

  /** GET /repos/…/issues lists pull requests too, marked by `pull_request`, as GitHub does. */
  private issueList(owner: string, repo: string, url: URL): Record<string, unknown>[] {
    const state = url.searchParams.get('state') ?? 'open';
    const pulls = this.pulls
      .filter((p) => p.owner === owner && p.repo === repo)
      .map((p): Record<string, unknown> => {
        const json = this.pullJson(p);
        return {
          ...json,
          title: `Pull request ${p.number}`,
          body: '',
          user: { login: 'octocat' },
          pull_request: { url: json.url },
        };
      })
      .filter((p) => state === 'all' || p.state === state);
    const issues = this.issues.list(owner, repo, url).map((i) => this.issues.json(i));
    return [...pulls, ...issues].sort((a, b) => Number(a.number) - Number(b.number));
  }

  /** One page of a list, oldest first, with GitHub's Link header (first, prev, next, last). */
  private listPage<T>(
    all: T[],
    url: URL,
    json: (item: T) => unknown,
  ): { status: number; body: unknown; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30)));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string): string => {
      const target = new URL(url.pathname, this.url);
      target.searchParams.set('per_page', String(perPage));
      target.searchParams.set('page', String(p));
      return `<${target.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    const body = all.slice((page - 1) * perPage, page * perPage).map(json);
    return { status: 200, body, headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
