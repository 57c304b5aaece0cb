// Pure update of an existing plan comment after the apply on main: the marker's status and a banner at the top
// saying whether the reviewed plan was applied, with the run that did it. The rest of the comment stays as it was.
import {
  GITHUB_COMMENT_LIMIT,
  STATUS_RESERVE,
  metadataMarker,
  parseCommentMetadata,
  type CommentMetadata,
  type CommentStatus,
} from './comment.js';
import { inlineCode } from './comment-markdown.js';

export interface ApplyStatus {
  /** `not-applied`: the reviewed plan matched, but a check before apply (cluster access) stopped it. */
  status: Exclude<CommentStatus, 'planned'>;
  /** Link to the workflow run that applied (or failed to). */
  runUrl: string;
  /** The commit applied on main. */
  sha: string;
  /** One sentence of detail, e.g. the failure's reason. Shortened to keep within the room reserved for it. */
  detail?: string;
}

const BANNER_START = '<!-- flux-bootstrap-status -->';
const BANNER_END = '<!-- /flux-bootstrap-status -->';
const BANNER = /<!-- flux-bootstrap-status -->[\s\S]*?<!-- \/flux-bootstrap-status -->\n*/;
const MAX_DETAIL = 400;

function banner(update: ApplyStatus): string {
  const run = update.runUrl ? ` by [this workflow run](${update.runUrl})` : '';
  const commit = update.sha ? ` at ${inlineCode(update.sha.slice(0, 12))}` : '';
  const detail = update.detail ? ` ${update.detail.replace(/\s+/g, ' ').slice(0, MAX_DETAIL)}` : '';
  const lines = {
    applied: ['> [!TIP]', `> **Applied on main**${commit}${run}.${detail}`],
    'apply-failed': ['> [!WARNING]', `> **The apply on main failed**${commit}${run}.${detail}`],
    'not-applied': ['> [!CAUTION]', `> **Not applied on main**${commit}${run}.${detail}`],
  }[update.status];
  return `${BANNER_START}\n${lines.join('\n')}\n${BANNER_END}\n\n`;
}

/** Returns the comment body with the new status; throws when the body is not a flux-bootstrap plan comment. */
export function withApplyStatus(body: string, update: ApplyStatus): string {
  const metadata = parseCommentMetadata(body);
  if (!metadata) throw new Error('the comment does not start with a flux-bootstrap marker');
  const next: CommentMetadata = { ...metadata, status: update.status };
  const firstLineEnd = body.indexOf('\n');
  const rest = (firstLineEnd === -1 ? '' : body.slice(firstLineEnd + 1)).replace(/^\n+/, '').replace(BANNER, '');
  const updated = `${metadataMarker(next)}\n\n${banner(update)}${rest}`;
  // The plan comment leaves STATUS_RESERVE characters free; a body from elsewhere could still be too long.
  if (updated.length > GITHUB_COMMENT_LIMIT) {
    return `${updated.slice(0, GITHUB_COMMENT_LIMIT - STATUS_RESERVE)}\n\n… (cut to fit the size limit)\n`;
  }
  return updated;
}
