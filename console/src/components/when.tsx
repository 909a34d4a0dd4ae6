// A point in time: relative in words, the exact time on hover and for assistive technology.
import { formatDateTime, fromNow } from '../lib/format.ts';

export function When({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span>{empty}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatDateTime(iso)} <span class="muted">({fromNow(iso)})</span>
    </time>
  );
}
