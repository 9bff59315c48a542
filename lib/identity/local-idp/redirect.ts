const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Origins the app is reachable at: APP_URL's origin, plus, when APP_URL is a loopback address,
 * the other loopback spellings on the same scheme and port (a browser on 127.0.0.1 vs localhost).
 */
export function appOrigins(appUrl: string): string[] {
  const app = new URL(appUrl);
  if (!LOOPBACK.has(app.hostname)) return [app.origin];
  return [...LOOPBACK].map((host) => {
    const u = new URL(app.origin);
    u.hostname = host;
    return u.origin;
  });
}

/**
 * A redirect URI the local IdP sends codes to: absolute, http(s), on one of the app's own origins,
 * without credentials or fragment. Never an open redirect.
 */
export function isAllowedRedirectUri(uri: string, appUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (url.username || url.password || url.hash || uri.includes("#")) return false;
  return appOrigins(appUrl).includes(url.origin);
}

export function isAppOrigin(origin: string, appUrl: string): boolean {
  return appOrigins(appUrl).includes(origin);
}
