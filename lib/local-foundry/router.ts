import type { Db } from "@/lib/db/client";
import type { Principal } from "@/lib/identity/principal";
import type { LocalModel } from "./model/types";

export interface LfContext {
  req: Request;
  url: URL;
  params: Record<string, string>;
  principal: Principal;
  db: Db;
  model: LocalModel;
}

export interface LfRoute {
  method: "GET" | "POST" | "DELETE";
  /** Path below the service root, `:name` segments captured. */
  pattern: string;
  handle(ctx: LfContext): Promise<Response>;
}

export type Match =
  { route: LfRoute; params: Record<string, string> } | { methodNotAllowed: true } | null;

/** Finds the route for a method and path; a known path with another method is told apart from an unknown one. */
export function matchRoute(routes: LfRoute[], method: string, path: string): Match {
  const segments = splitPath(path);
  if (!segments) return null;
  let pathKnown = false;
  for (const route of routes) {
    const params = matchSegments(splitPath(route.pattern)!, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathKnown = true;
  }
  return pathKnown ? { methodNotAllowed: true } : null;
}

function splitPath(path: string): string[] | null {
  try {
    return path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    return null; // malformed percent-encoding: no route has it
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (const [i, p] of pattern.entries()) {
    const s = segments[i]!;
    if (p.startsWith(":")) params[p.slice(1)] = s;
    else if (p !== s) return null;
  }
  return params;
}
