// The issues of the GitHub API stand-in (github-api.ts): list (open, closed or all, oldest first; pull requests
// are listed too, as GitHub does), create, get and update (title, body, state, state_reason). An installation
// token without `issues: write` is refused writes with GitHub's own 403, as a job without that permission is.
import type { Identity } from './github-api.js';

export interface StoredIssue {
  number: number;
  owner: string;
  repo: string;
  title: string;
  body: string;
  user: Identity;
  state: 'open' | 'closed';
  state_reason: 'completed' | 'not_planned' | 'reopened' | null;
  created_at: string;
  updated_at: string;
}

/** A failure the stand-in answers with; github-api.ts turns it into the HTTP response. */
export class IssueFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const forbidden = (): never => {
  throw new IssueFailure(403, 'Resource not accessible by integration');
};
const canWrite = (identity: Identity): boolean => !identity.readOnly && identity.issues !== 'read';

export class IssueStore {
  readonly issues: StoredIssue[] = [];
  // Pull requests and issues share numbers on GitHub; the stand-in's pull requests are numbered from 1.
  private nextNumber = 100;

  constructor(
    private readonly now: () => string,
    private readonly apiUrl: string,
    private readonly htmlBase: string,
  ) {}

  /** Puts an issue in place as if someone had opened it earlier. */
  seed(issue: Omit<StoredIssue, 'number' | 'created_at' | 'updated_at' | 'state_reason'>): StoredIssue {
    const at = this.now();
    const stored: StoredIssue = {
      ...issue,
      number: this.nextNumber++,
      state_reason: null,
      created_at: at,
      updated_at: at,
    };
    this.issues.push(stored);
    return stored;
  }

  of(owner: string, repo: string, state: 'open' | 'closed' | 'all' = 'all'): StoredIssue[] {
    return this.issues.filter((i) => i.owner === owner && i.repo === repo && (state === 'all' || i.state === state));
  }

  list(owner: string, repo: string, url: URL): StoredIssue[] {
    const state = url.searchParams.get('state') ?? 'open';
    if (!['open', 'closed', 'all'].includes(state)) throw new IssueFailure(422, `Validation Failed: state ${state}`);
    return this.of(owner, repo, state as 'open' | 'closed' | 'all');
  }

  get(owner: string, repo: string, number: number): StoredIssue {
    const issue = this.issues.find((i) => i.owner === owner && i.repo === repo && i.number === number);
    if (!issue) throw new IssueFailure(404, 'Not Found');
    return issue;
  }

  create(owner: string, repo: string, identity: Identity, body: Record<string, unknown> | undefined): StoredIssue {
    if (!canWrite(identity)) forbidden();
    const title = body?.title;
    if (typeof title !== 'string' || title.trim() === '') throw new IssueFailure(422, 'Validation Failed: title');
    if (title.length > 256) throw new IssueFailure(422, 'Validation Failed: title is too long');
    return this.seed({ owner, repo, title, body: this.validBody(body?.body ?? ''), user: identity, state: 'open' });
  }

  update(
    owner: string,
    repo: string,
    number: number,
    identity: Identity,
    body: Record<string, unknown> | undefined,
  ): StoredIssue {
    if (!canWrite(identity)) forbidden();
    const issue = this.get(owner, repo, number);
    if (body?.title !== undefined) {
      if (typeof body.title !== 'string' || body.title.trim() === '' || body.title.length > 256)
        throw new IssueFailure(422, 'Validation Failed: title');
      issue.title = body.title;
    }
    if (body?.body !== undefined) issue.body = this.validBody(body.body);
    if (body?.state !== undefined) {
      if (body.state !== 'open' && body.state !== 'closed') throw new IssueFailure(422, 'Validation Failed: state');
      const reason: unknown = body.state_reason ?? (body.state === 'closed' ? 'completed' : 'reopened');
      if (typeof reason !== 'string' || !['completed', 'not_planned', 'reopened'].includes(reason))
        throw new IssueFailure(422, 'Validation Failed: state_reason');
      issue.state = body.state;
      issue.state_reason = reason as StoredIssue['state_reason'];
    }
    issue.updated_at = this.now();
    return issue;
  }

  json(i: StoredIssue): Record<string, unknown> {
    return {
      id: 700_000 + i.number,
      number: i.number,
      url: `${this.apiUrl}/repos/${i.owner}/${i.repo}/issues/${i.number}`,
      html_url: `${this.htmlBase}/${i.owner}/${i.repo}/issues/${i.number}`,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.state_reason,
      user: { login: i.user.login, id: i.user.id, type: i.user.type },
      created_at: i.created_at,
      updated_at: i.updated_at,
    };
  }

  private validBody(text: unknown): string {
    if (typeof text !== 'string') throw new IssueFailure(422, 'Validation Failed: body');
    if ([...text].length > 65_536)
      throw new IssueFailure(422, 'Validation Failed: body is too long (maximum is 65536 characters)');
    return text;
  }
}
