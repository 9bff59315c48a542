import { randomBytes } from "node:crypto";
import { getConfig } from "@/lib/config";
import { isAllowedRedirectUri } from "./redirect";
import { processStore } from "./store";
import { localIssuer } from "./tokens";
import { findDemoUser, type DemoUser } from "./users";

/** A validated authorization request, as the local IdP keeps it between the page and the POST. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  state: string;
  scope: string;
  nonce?: string;
}

export type ParsedAuthorizationRequest =
  | { ok: true; request: AuthorizationRequest }
  | {
      ok: false;
      error: "invalid_request" | "unauthorized_client" | "unsupported_response_type";
      description: string;
    };

/** An issued authorization code: single use, bound to the client, redirect URI and PKCE challenge. */
export interface IssuedCode extends AuthorizationRequest {
  username: string;
}

export const CODE_TTL_MS = 60_000;
const FORM_TTL_MS = 10 * 60_000;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

const forms = () => processStore<AuthorizationRequest>("forms");
export const codes = () => processStore<IssuedCode>("codes");

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function param(params: Params, name: string): string | undefined {
  if (params instanceof URLSearchParams) return params.get(name) ?? undefined;
  const v = params[name];
  return Array.isArray(v) ? undefined : v; // a repeated parameter is invalid (RFC 6749 §3.1)
}

/**
 * Validates `/local-idp/authorize` query parameters. Errors are shown on the page, never sent to
 * the redirect URI: that URI is only trusted after validation, and a local IdP has no reason to
 * redirect errors anywhere.
 */
export function parseAuthorizationRequest(params: Params): ParsedAuthorizationRequest {
  const id = getConfig().identity;
  const get = (n: string) => param(params, n);
  const fail = (
    error: "invalid_request" | "unauthorized_client" | "unsupported_response_type",
    description: string,
  ) => ({ ok: false, error, description }) as const;

  const clientId = get("client_id");
  if (!clientId) return fail("invalid_request", "The request has no client_id.");
  if (clientId !== id.spaClientId)
    return fail(
      "unauthorized_client",
      "This application is not registered with the local identity provider.",
    );
  const redirectUri = get("redirect_uri");
  if (!redirectUri || !isAllowedRedirectUri(redirectUri, getConfig().appUrl)) {
    return fail("invalid_request", "The redirect_uri is missing or is not an address of this app.");
  }
  if (get("response_type") !== "code")
    return fail("unsupported_response_type", "Only response_type=code is supported.");
  const codeChallenge = get("code_challenge");
  if (!codeChallenge || !CHALLENGE.test(codeChallenge))
    return fail("invalid_request", "A PKCE code_challenge is required.");
  if (get("code_challenge_method") !== "S256")
    return fail("invalid_request", "code_challenge_method must be S256.");
  const state = get("state");
  if (!state || state.length > 512)
    return fail("invalid_request", "A state parameter (at most 512 characters) is required.");
  const nonce = get("nonce");
  if (nonce !== undefined && nonce.length > 512)
    return fail("invalid_request", "The nonce is too long.");
  const responseMode = get("response_mode");
  if (responseMode !== undefined && responseMode !== "query")
    return fail("invalid_request", "Only response_mode=query is supported.");
  const scope = get("scope") ?? "";
  if (scope.length > 1024) return fail("invalid_request", "The scope is too long.");
  return {
    ok: true,
    request: { clientId, redirectUri, codeChallenge, state, scope, nonce: nonce || undefined },
  };
}

/** Remembers a validated request behind a one-time form token that the sign-in form posts back. */
export function createSignInForm(request: AuthorizationRequest): string {
  const token = randomBytes(32).toString("base64url");
  forms().set(token, request, FORM_TTL_MS);
  return token;
}

export type SignInResult =
  { ok: true; redirectTo: string; user: DemoUser } | { ok: false; description: string };

/**
 * Consumes the form token and issues a code for the chosen demo user. The redirect target comes
 * from the stored, validated request, so nothing posted can change where the code goes.
 */
export function completeSignIn(formToken: string, username: string): SignInResult {
  const user = findDemoUser(username);
  if (!user) return { ok: false, description: "Choose one of the listed accounts." };
  const request = formToken ? forms().take(formToken) : undefined;
  if (!request)
    return {
      ok: false,
      description:
        "This sign-in form has expired or was already used. Go back to the app and sign in again.",
    };
  const code = randomBytes(32).toString("base64url");
  codes().set(code, { ...request, username: user.username }, CODE_TTL_MS);
  const target = new URL(request.redirectUri);
  target.searchParams.set("code", code);
  target.searchParams.set("state", request.state);
  // RFC 9207: lets the client check which authorization server answered.
  target.searchParams.set("iss", localIssuer());
  return { ok: true, redirectTo: target.toString(), user };
}
