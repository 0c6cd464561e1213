import type { FC } from 'hono/jsx';
import { ids } from '../ids.js';

/**
 * The top of the loaded history. While older messages exist it links to them: a plain link without
 * JavaScript, loaded in place by htmx once it scrolls into view. The stylesheet hides any list item
 * that lands above it (a live edit of a message older than what is loaded).
 */
export const HistoryStart: FC<{ roomSlug: string; oldestSeq: number | null; hasOlder: boolean }> = ({ roomSlug, oldestSeq, hasOlder }) => {
  if (!hasOlder || oldestSeq === null) {
    return <li id={ids.historyStart(1)} class="history-start">This is the start of the conversation.</li>;
  }
  const url = `/lobby/${roomSlug}/messages/?before=${oldestSeq}`;
  return (
    <li id={ids.historyStart(oldestSeq)} class="history-start">
      <a href={url} hx-get={url} hx-trigger="intersect once, click" hx-swap="none">Older messages</a>
    </li>
  );
};

/** What an older page leaves of the marker it replaces: nothing visible. */
export const SpentHistoryStart: FC<{ beforeSeq: number }> = ({ beforeSeq }) => <li id={ids.historyStart(beforeSeq)} hidden />;
