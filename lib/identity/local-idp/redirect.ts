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

export function isAppOrigin(origin: string, appUrl: string): boolean {
  return appOrigins(appUrl).includes(origin);
}
