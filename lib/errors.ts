/**
 * The one typed application error. Every failure that reaches a client passes through
 * `toProblem`, which decides what the client may see (RFC 7807 problem+json).
 */
export const errorCodes = {
  invalid_request: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  insufficient_scope: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  upstream_error: 502,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface AppErrorOptions {
  detail?: string;
  /** Extra members of the problem document (e.g. validation issues). Never secrets. */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extensions?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = errorCodes[code];
    this.extensions = options.extensions;
    this.headers = options.headers;
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  correlationId?: string;
  [key: string]: unknown;
}

/** Maps any thrown value to the problem document a client sees; unknown errors say nothing internal. */
export function toProblem(
  err: unknown,
  correlationId?: string,
): { problem: ProblemDocument; headers: Record<string, string> } {
  if (err instanceof AppError) {
    return {
      problem: {
        type: `https://foundry-agent-chat.dev/problems/${err.code}`,
        title: err.message,
        status: err.status,
        code: err.code,
        correlationId,
        ...err.extensions,
      },
      headers: err.headers ?? {},
    };
  }
  return {
    problem: {
      type: "https://foundry-agent-chat.dev/problems/internal",
      title: "Something went wrong on our side. Please try again.",
      status: 500,
      code: "internal",
      correlationId,
    },
    headers: {},
  };
}

export function problemResponse(err: unknown, correlationId?: string): Response {
  const { problem, headers } = toProblem(err, correlationId);
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: {
      "content-type": "application/problem+json",
      ...(correlationId ? { "x-correlation-id": correlationId } : {}),
      ...headers,
    },
  });
}
