/**
 * Errors of the local agent service, in the shape OpenAI and Foundry answer with
 * (`{ error: { message, type, code, param } }`), so the SDKs raise the same error classes
 * against this service as against the cloud.
 */
export type LfErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "server_error";

export class LfError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: LfErrorType,
    readonly code: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "LfError";
  }
}

export const notFound = (what: string, param: string | null = null) =>
  new LfError(404, `${what} not found.`, "invalid_request_error", "not_found", param);

/** 403: the SDKs raise PermissionDeniedError (openai) or a RestError with statusCode 403. */
export const forbidden = (message: string) =>
  new LfError(403, message, "permission_error", "permission_denied");

export const badRequest = (message: string, param: string | null = null, code = "invalid_value") =>
  new LfError(400, message, "invalid_request_error", code, param);

export function errorBody(err: LfError) {
  return { error: { message: err.message, type: err.type, code: err.code, param: err.param } };
}

export function errorResponse(err: LfError): Response {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  // RFC 6750 §3.1: a request without credentials gets the bare challenge, no error code.
  if (err.status === 401)
    headers["www-authenticate"] =
      err.code === "missing_token" ? "Bearer" : 'Bearer error="invalid_token"';
  return new Response(JSON.stringify(errorBody(err)), { status: err.status, headers });
}
