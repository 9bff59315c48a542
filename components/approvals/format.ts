/** Short relative times for approvals ("2 min ago", "in 14 min"). Pure, so tests pass `now`. */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 45) return "";
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

export function timeAgo(iso: string, now: number): string {
  const d = span(now - Date.parse(iso));
  return d ? `${d} ago` : "just now";
}

/** "expires in 14 min", or "expired 2 min ago" once past. */
export function expiryText(iso: string, now: number): string {
  const left = Date.parse(iso) - now;
  if (left <= 0) return `expired ${timeAgo(iso, now)}`;
  const d = span(left);
  return d ? `expires in ${d}` : "expires in less than a minute";
}

export function fullDate(iso: string): string {
  return new Date(iso).toLocaleString();
}
