/**
 * DNS-rebinding protection (MCP transport security): a request must name us in `Host`, and a
 * browser's `Origin`, when present, must be one we trust. Pure, so the rules are easy to test.
 */
export interface OriginRules {
  appUrl: string;
  /** Extra `host[:port]` values (lower case), e.g. a public name behind a proxy. */
  allowedHosts: readonly string[];
  /** Extra origins (lower case, no trailing slash). */
  allowedOrigins: readonly string[];
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function checkHostAndOrigin(
  host: string | null,
  origin: string | null,
  rules: OriginRules,
): OriginVerdict {
  const app = new URL(rules.appUrl);
  const hostUrl = parseHost(host);
  if (!hostUrl) return { ok: false, reason: "The Host header is missing or malformed." };
  const hostAllowed =
    LOOPBACK.has(hostUrl.hostname) ||
    hostUrl.host === app.host ||
    rules.allowedHosts.includes(hostUrl.host);
  if (!hostAllowed) return { ok: false, reason: `Host ${hostUrl.host} is not served here.` };
  if (origin === null) return { ok: true };
  const originUrl = parseOrigin(origin);
  if (!originUrl) return { ok: false, reason: "The Origin header is malformed." };
  const originAllowed =
    originUrl.origin === app.origin ||
    rules.allowedOrigins.includes(originUrl.origin) ||
    // A development server on loopback trusts pages on loopback (the MCP Inspector, for one).
    (LOOPBACK.has(app.hostname) && LOOPBACK.has(originUrl.hostname));
  return originAllowed
    ? { ok: true }
    : { ok: false, reason: `Origin ${originUrl.origin} may not call this server.` };
}

function parseHost(host: string | null): URL | undefined {
  if (!host || /[\s/@?#\\]/.test(host)) return undefined;
  try {
    return new URL(`http://${host.toLowerCase()}`);
  } catch {
    return undefined;
  }
}

function parseOrigin(origin: string): URL | undefined {
  try {
    const url = new URL(origin.toLowerCase());
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}
