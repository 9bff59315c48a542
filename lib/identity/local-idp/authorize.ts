import { randomBytes } from "node:crypto";
import { getConfig } from "@/lib/config";
import { connectionScopes, findClient } from "./clients";
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
  /** The connection client only: the user the consent is for (`login_hint`), no one else. */
  loginHint?: string;
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
  const client = findClient(clientId);
  if (!client || (client.kind === "spa" && clientId !== id.spaClientId))
    return fail(
      "unauthorized_client",
      "This application is not registered with the local identity provider.",
    );
  const redirectUri = get("redirect_uri");
  // Exact string comparison with a registered URI (RFC 9700 §4.1.3): no prefix, path or query
  // leeway that could send a code somewhere the client did not register.
  if (!redirectUri || !client.redirectUris.includes(redirectUri))
    return fail(
      "invalid_request",
      "The redirect_uri is missing or is not one registered for this application.",
    );
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
  let loginHint: string | undefined;
  if (client.kind === "connection") {
    const allowed = connectionScopes();
    const asked = scope.split(/\s+/).filter(Boolean);
    if (asked.length === 0 || asked.some((s) => !allowed.includes(s)))
      return fail("invalid_request", `This application may ask for: ${allowed.join(" ")}.`);
    const user = findDemoUser(get("login_hint") ?? "");
    if (!user)
      return fail("invalid_request", "A login_hint naming the user who is asked is required.");
    const prompt = get("prompt");
    if (prompt !== undefined && prompt !== "consent")
      return fail("invalid_request", "Only prompt=consent is supported for this application.");
    loginHint = user.username;
  }
  return {
    ok: true,
    request: {
      clientId,
      redirectUri,
      codeChallenge,
      state,
      scope,
      nonce: nonce || undefined,
      ...(loginHint ? { loginHint } : {}),
    },
  };
}

/** Remembers a validated request behind a one-time form token that the sign-in form posts back. */
export function createSignInForm(request: AuthorizationRequest): string {
  const token = randomBytes(32).toString("base64url");
  forms().set(token, request, FORM_TTL_MS);
  return token;
}

/** The one user a consent form is for (the request's `login_hint`). */
export function consentUser(request: AuthorizationRequest): DemoUser | undefined {
  return request.loginHint ? findDemoUser(request.loginHint) : undefined;
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
  const request = formToken ? forms().get(formToken) : undefined;
  // A consent form is answered at /local-idp/authorize/consent, for its login_hint user only.
  if (!request || request.loginHint)
    return {
      ok: false,
      description:
        "This sign-in form has expired or was already used. Go back to the app and sign in again.",
    };
  forms().take(formToken);
  return issueCode(request, user);
}

/**
 * Answers a consent form: "allow" issues a code for the form's `login_hint` user (nobody else can
 * be chosen); "deny" sends `error=access_denied` to the registered redirect URI. Either way the
 * form token is used up.
 */
export function completeConsent(
  formToken: string,
  decision: string,
): SignInResult | { ok: true; redirectTo: string; denied: true } {
  const request = formToken ? forms().get(formToken) : undefined;
  const user = request ? consentUser(request) : undefined;
  if (!request || !user)
    return {
      ok: false,
      description:
        "This consent form has expired or was already used. Go back to the app and try again.",
    };
  if (decision !== "allow" && decision !== "deny")
    return { ok: false, description: "Choose Allow or Deny." };
  forms().take(formToken);
  if (decision === "allow") return issueCode(request, user);
  const target = new URL(request.redirectUri);
  target.searchParams.set("error", "access_denied");
  target.searchParams.set("error_description", "The user declined to grant access.");
  target.searchParams.set("state", request.state);
  target.searchParams.set("iss", localIssuer());
  return { ok: true, redirectTo: target.toString(), denied: true };
}

function issueCode(request: AuthorizationRequest, user: DemoUser): SignInResult {
  const code = randomBytes(32).toString("base64url");
  codes().set(code, { ...request, username: user.username }, CODE_TTL_MS);
  const target = new URL(request.redirectUri);
  target.searchParams.set("code", code);
  target.searchParams.set("state", request.state);
  // RFC 9207: lets the client check which authorization server answered.
  target.searchParams.set("iss", localIssuer());
  return { ok: true, redirectTo: target.toString(), user };
}
