/**
 * Limits every access token must keep, shared by the verifier and the local IdP that mints tokens
 * (so nothing the app mints can be refused by its own verification).
 */

/**
 * Allowed clock skew between us and the token issuer, on `exp`, `nbf` and `iat`. Small on purpose:
 * Entra's own libraries allow minutes, but replicas run NTP and a token past `exp` + 30 s is
 * treated as expired.
 */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * The longest lifetime (`exp` − `iat`) accepted: one day, Entra's configurable maximum (its
 * default is 60–90 minutes). A token valid for longer was not issued by a real token service.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * The delegated scope of tokens for the agent service (audience `https://ai.azure.com`): what Entra
 * puts in `scp` for `https://ai.azure.com/.default`, and what the local IdP mints.
 */
export const FOUNDRY_SCOPE_NAME = "user_impersonation";
