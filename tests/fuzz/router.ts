import fs from "node:fs";
import path from "node:path";

type Handler = (req: Request, ctx: { params: Promise<unknown> }) => Promise<Response>;

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface AppRoute {
  /** e.g. `/api/conversations/:id`, `/local-foundry/*path` */
  pattern: string;
  /** The methods the route module exports (what Next serves; the rest answer 405). */
  methods: HttpMethod[];
  module: Partial<Record<HttpMethod, Handler>>;
}

const APP_DIR = path.resolve(import.meta.dirname, "../../app");

/**
 * Every `app/**\/route.ts` as Next mounts it: found on disk, not listed by hand, so a route added
 * later is fuzzed without anyone remembering to add it here.
 */
export async function discoverRoutes(): Promise<AppRoute[]> {
  const files = (fs.readdirSync(APP_DIR, { recursive: true }) as string[])
    .filter((f) => path.basename(f) === "route.ts")
    .sort();
  const routes: AppRoute[] = [];
  for (const file of files) {
    const segments = path
      .dirname(file)
      .split(path.sep)
      .filter((s) => s !== "." && !/^\(.*\)$/.test(s)) // route groups add no segment
      .map((s) => s.replace(/^\[\.\.\.(\w+)\]$/, "*$1").replace(/^\[(\w+)\]$/, ":$1"));
    const mod = (await import(path.join(APP_DIR, file))) as Record<string, unknown>;
    const methods = HTTP_METHODS.filter((m) => typeof mod[m] === "function");
    routes.push({
      pattern: `/${segments.join("/")}`,
      methods,
      module: mod as AppRoute["module"],
    });
  }
  // Static segments win over dynamic ones, as in Next (`/api/approvals/events` before `:id`).
  return routes.sort((a, b) => specificity(b.pattern) - specificity(a.pattern));
}

function specificity(pattern: string): number {
  return pattern
    .split("/")
    .reduce((n, s, i) => n + (s.startsWith("*") ? 0 : s.startsWith(":") ? 1 : 3) * 100 ** -i, 0);
}

/** Params as Next passes them: decoded segments; `undefined` when the path is not this route's. */
function match(pattern: string, pathname: string): Record<string, string | string[]> | undefined {
  const p = pattern.split("/");
  const s = pathname.split("/");
  const params: Record<string, string | string[]> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith("*")) {
      if (s.length <= i || s.slice(i).every((x) => x === "")) return undefined;
      params[part.slice(1)] = s.slice(i).map((x) => decodeURIComponent(x));
      return params;
    }
    if (s[i] === undefined || (i > 0 && s[i] === "")) return undefined;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return undefined;
  }
  return p.length === s.length ? params : undefined;
}

export interface Dispatched {
  res: Response;
  /** The route pattern that answered, or why Next itself answered (no app code ran). */
  route: string;
  /** True when Next's router answered (404, 405, OPTIONS, bad percent-encoding), not our code. */
  byRouter: boolean;
}

/**
 * Sends a request to the route module Next would pick, mimicking what Next adds around it:
 * 404 for unknown paths, 405 for methods a module does not export, HEAD served by GET,
 * OPTIONS answered with `Allow`, 400 for a path whose percent-encoding is not UTF-8.
 */
export async function dispatch(routes: AppRoute[], req: Request): Promise<Dispatched> {
  const pathname = new URL(req.url).pathname.replace(/(.)\/$/, "$1");
  for (const r of routes) {
    let params: Record<string, string | string[]> | undefined;
    try {
      params = match(r.pattern, pathname);
    } catch {
      return { res: new Response(null, { status: 400 }), route: r.pattern, byRouter: true };
    }
    if (!params) continue;
    const method = req.method as HttpMethod;
    const allow = r.methods.join(", ");
    let fn = r.module[method];
    if (!fn && method === "HEAD") fn = r.module.GET;
    if (!fn && method === "OPTIONS") {
      return {
        res: new Response(null, { status: 204, headers: { allow } }),
        route: r.pattern,
        byRouter: true,
      };
    }
    if (!fn) {
      return {
        res: new Response(null, { status: 405, headers: { allow } }),
        route: r.pattern,
        byRouter: true,
      };
    }
    const res = await fn(req, { params: Promise.resolve(params) });
    return { res, route: r.pattern, byRouter: false };
  }
  return { res: new Response(null, { status: 404 }), route: "(no route)", byRouter: true };
}
