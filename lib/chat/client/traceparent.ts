/**
 * A W3C `traceparent` for one browser request, so the trace (and the correlation id the server
 * answers with) starts where the user acted, not at the route. Sampled: the server's exporter
 * configuration decides what is kept.
 */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  // All-zero ids are invalid (W3C Trace Context §3.2.2.3); 2^-64 at worst, but never send one.
  if (buf.every((b) => b === 0)) buf[0] = 1;
  return Array.from(buf, (b) => b.toString(16).padStart(2, "0")).join("");
}
