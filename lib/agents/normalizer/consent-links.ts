/**
 * Which consent links the browser may open (in a popup, with the user signed in elsewhere). Pure:
 * the RunDriver builds the policy from the configuration (`CONSENT_LINK_ORIGINS`, plus the app's
 * own origin in embedded mode) and hands it to the normalizer through its state.
 *
 * A link is accepted when it is an absolute https URL without credentials whose origin is on the
 * allowlist — an exact origin (`https://login.microsoftonline.com`) or every subdomain of a domain
 * (`https://*.consent.azure-apihub.net`, Foundry's regional consent hosts). In embedded mode the
 * app's own origin is accepted too, over http as well (the local IdP on localhost). Without a
 * policy nothing is accepted: the check fails closed.
 */
export interface ConsentLinkPolicy {
  /** Normalized allowlist entries: `https://host[:port]` or `https://*.domain[:port]`. */
  readonly origins: readonly string[];
  /** Embedded mode: the app's own origin (`http://localhost:3000`), accepted over http too. */
  readonly appOrigin?: string;
}

export type ConsentLinkVerdict =
  | { ok: true; link: string }
  | {
      ok: false;
      code: "consent_link_missing" | "consent_link_not_https" | "consent_link_not_allowed";
    };

/** Nothing is allowed (what a normalizer without a policy uses). */
export const NO_CONSENT_LINKS: ConsentLinkPolicy = { origins: [] };

/**
 * One allowlist entry as written in the configuration → its normalized form, or undefined when it
 * is not an https origin (a path, query, credentials or a non-https scheme make it invalid).
 */
export function normalizeConsentOrigin(entry: string): string | undefined {
  const trimmed = entry.trim().replace(/\/$/, "");
  const wildcard = /^https:\/\/\*\./i.test(trimmed);
  const url = parse(wildcard ? trimmed.replace("*.", "wildcard.") : trimmed);
  if (!url || url.protocol !== "https:" || url.username || url.password) return undefined;
  if (url.pathname !== "/" || url.search || url.hash || trimmed.includes("?")) return undefined;
  if (!url.hostname || url.hostname.includes("*")) return undefined;
  if (wildcard && url.hostname.split(".").length < 3) return undefined; // `*.com` is not a domain
  const origin = url.origin.toLowerCase();
  return wildcard ? origin.replace("https://wildcard.", "https://*.") : origin;
}

/** Parses `CONSENT_LINK_ORIGINS`-style lists; invalid entries are reported, not dropped silently. */
export function parseConsentOrigins(list: string): { origins: string[]; invalid: string[] } {
  const origins: string[] = [];
  const invalid: string[] = [];
  for (const entry of list
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const normalized = normalizeConsentOrigin(entry);
    if (normalized) origins.push(normalized);
    else invalid.push(entry);
  }
  return { origins, invalid };
}

export function checkConsentLink(raw: unknown, policy: ConsentLinkPolicy): ConsentLinkVerdict {
  if (typeof raw !== "string" || raw.trim() === "")
    return { ok: false, code: "consent_link_missing" };
  // Whitespace or control characters have no place in a link the browser is told to open.
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { ok: false, code: "consent_link_not_https" };
  const url = parse(raw);
  if (!url || !url.hostname) return { ok: false, code: "consent_link_not_https" };
  if (url.username || url.password) return { ok: false, code: "consent_link_not_allowed" };
  const origin = url.origin.toLowerCase();
  const app = policy.appOrigin?.toLowerCase();
  if (app && origin === app && (url.protocol === "http:" || url.protocol === "https:"))
    return { ok: true, link: raw };
  if (url.protocol !== "https:") return { ok: false, code: "consent_link_not_https" };
  return policy.origins.some((entry) => originMatches(entry, url))
    ? { ok: true, link: raw }
    : { ok: false, code: "consent_link_not_allowed" };
}

function originMatches(entry: string, url: URL): boolean {
  const origin = url.origin.toLowerCase();
  if (!entry.startsWith("https://*.")) return entry === origin;
  // `https://*.example.net[:port]`: any subdomain of example.net (not example.net itself).
  const rest = entry.slice("https://*.".length);
  const [domain, port = ""] = rest.split(":");
  const host = url.hostname.toLowerCase();
  return Boolean(domain) && host.endsWith(`.${domain}`) && url.port === port;
}

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
