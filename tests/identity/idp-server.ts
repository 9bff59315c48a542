import { renderToStaticMarkup } from "react-dom/server";
import { GET as authConfig } from "@/app/api/auth/config/route";
import { GET as tenantDiscovery } from "@/app/local-idp/[tenant]/v2.0/.well-known/openid-configuration/route";
import { GET as tenantJwks } from "@/app/local-idp/[tenant]/discovery/v2.0/keys/route";
import { GET as discovery } from "@/app/local-idp/.well-known/openid-configuration/route";
import AuthorizePage from "@/app/local-idp/authorize/page";
import { POST as consent } from "@/app/local-idp/authorize/consent/route";
import { POST as submit } from "@/app/local-idp/authorize/submit/route";
import { POST as revoke } from "@/app/local-idp/revoke/route";
import { GET as jwks } from "@/app/local-idp/jwks/route";
import { OPTIONS as tokenPreflight, POST as token } from "@/app/local-idp/token/route";
import { resetConfig } from "@/lib/config";
import { serve, type TestServer } from "../helpers/serve";

/** Renders the sign-in page as Next would for `GET /local-idp/authorize` (server component → HTML). */
async function renderAuthorize(req: Request): Promise<Response> {
  const params: Record<string, string | string[]> = {};
  for (const [k, v] of new URL(req.url).searchParams) {
    const prev = params[k];
    params[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
  }
  const element = await AuthorizePage({ searchParams: Promise.resolve(params) });
  return new Response(`<!doctype html>${renderToStaticMarkup(element)}`, {
    headers: { "content-type": "text/html; charset=utf-8" },
  });
}

/** The app's identity routes, dispatched the way Next's file-system router would. */
export async function idpRouter(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  const seg = (tenant: string) => ({ params: Promise.resolve({ tenant }) });
  let m: RegExpExecArray | null;
  if (req.method === "GET" && path === "/local-idp/.well-known/openid-configuration")
    return discovery(req);
  if (
    req.method === "GET" &&
    (m = /^\/local-idp\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(path))
  )
    return tenantDiscovery(req, seg(m[1]!));
  if (req.method === "GET" && (m = /^\/local-idp\/([^/]+)\/discovery\/v2\.0\/keys$/.exec(path)))
    return tenantJwks(req, seg(m[1]!));
  if (req.method === "GET" && path === "/local-idp/jwks") return jwks(req);
  if (req.method === "GET" && path === "/local-idp/authorize") return renderAuthorize(req);
  if (req.method === "POST" && path === "/local-idp/authorize/submit") return submit(req);
  if (req.method === "POST" && path === "/local-idp/authorize/consent") return consent(req);
  if (req.method === "POST" && path === "/local-idp/revoke") return revoke(req);
  if (req.method === "POST" && path === "/local-idp/token") return token(req);
  if (req.method === "OPTIONS" && path === "/local-idp/token") return tokenPreflight(req);
  if (req.method === "GET" && path === "/api/auth/config") return authConfig(req);
  return new Response("not found", { status: 404 });
}

/** Serves the identity routes on loopback and makes that address the app's APP_URL. */
export async function serveIdp(): Promise<TestServer> {
  const server = await serve(idpRouter);
  process.env.APP_URL = server.url;
  resetConfig();
  return server;
}

/** Reads the one-time form token out of the sign-in page. */
export function formTokenIn(html: string): string | undefined {
  return /name="form_token" value="([^"]+)"/.exec(html)?.[1];
}
