import { Client, GraphError, type GraphRequest } from "@microsoft/microsoft-graph-client";
import { getConfig } from "@/lib/config";
import type { Principal } from "@/lib/identity/principal";
import { logger } from "@/lib/log";
import { ToolError } from "@/mcp-server/catalog/types";
import { graphToken, type GraphPermission } from "./auth";
import { graphFailure, type FailureWording } from "./errors";
import { retryOptions, type ThrottleState } from "./throttling";

export interface RequestOptions extends FailureWording {
  /** The entity's etag (Planner requires it on PATCH and DELETE). */
  ifMatch?: string;
  /** `Prefer: return=representation`: PATCH answers 200 with the entity instead of 204. */
  returnRepresentation?: boolean;
}

/** Our correlation id (32 hex, the W3C trace id) as the GUID Graph expects in client-request-id. */
export function clientRequestId(correlationId: string): string | undefined {
  const hex = correlationId.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A path segment: everything encoded except what RFC 3986 allows as is (`:` and `@`, as in Teams channel ids). */
export function seg(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%40/g, "@");
}

/**
 * Microsoft Graph for one tool call, as one user, with one delegated permission. Built on the
 * SDK's default middleware (authentication, retry, redirect, telemetry); per request it adds the
 * call's abort signal, the correlation id and the retry policy bounded by the call's deadline.
 *
 * The token is obtained before the SDK runs (so an On-Behalf-Of failure stays our typed error).
 * When Graph answers 401, the token is renewed — a fresh OBO exchange, no cache — and the same
 * request is sent once more; a second 401 is `session_expired`. Renewing per request (not per
 * operation) means a multi-step operation never repeats a step that already succeeded.
 */
export class GraphApi {
  private token: string | undefined;
  private renewed = false;
  private readonly client: Client;

  constructor(
    private readonly principal: Principal,
    private readonly permission: GraphPermission,
    private readonly call: { signal: AbortSignal; correlationId: string; deadline: number },
  ) {
    const { origin, version } = getConfig().providers.graph;
    this.client = Client.initWithMiddleware({
      authProvider: { getAccessToken: async () => this.token ?? "" },
      baseUrl: `${origin}/`,
      defaultVersion: version,
      // The SDK attaches the token only to Graph's own hosts and these (a national cloud or proxy).
      customHosts: new Set([new URL(origin).hostname]),
    });
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.send(path, opts, (r) => r.get() as Promise<T>);
  }

  post<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.send(path, opts, (r) => r.post(body) as Promise<T>);
  }

  /** Resolves to the entity with `returnRepresentation`, else (204) to undefined. */
  patch<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T | undefined> {
    return this.send(path, opts, (r) => r.patch(body) as Promise<T | undefined>);
  }

  async delete(path: string, opts: RequestOptions = {}): Promise<void> {
    await this.send(path, opts, (r) => r.delete() as Promise<unknown>);
  }

  private async send<T>(
    path: string,
    opts: RequestOptions,
    method: (r: GraphRequest) => Promise<T>,
  ): Promise<T> {
    this.token ??= await this.obtainToken(false);
    const first = await this.attempt(path, opts, method);
    if (first.ok) return first.value;
    if (!this.renewed) {
      logger().warn(
        { provider: "graph", status: 401, correlationId: this.call.correlationId },
        "Microsoft Graph rejected the On-Behalf-Of token; renewing it once",
      );
      this.renewed = true;
      this.token = await this.obtainToken(true);
      const second = await this.attempt(path, opts, method);
      if (second.ok) return second.value;
    }
    throw new ToolError(
      "session_expired",
      "Microsoft Graph rejected your Microsoft 365 session twice (HTTP 401); try again shortly.",
      { retriable: true, provider: "graph" },
    );
  }

  /** One request (with the SDK's own retries); `ok: false` only for 401. */
  private async attempt<T>(
    path: string,
    opts: RequestOptions,
    method: (r: GraphRequest) => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false }> {
    if (this.call.signal.aborted)
      throw new ToolError("timeout", "The call was cancelled before it reached Microsoft Graph.", {
        retriable: true,
      });
    const state: ThrottleState = {};
    try {
      return { ok: true, value: await method(this.request(path, opts, state)) };
    } catch (err) {
      if (err instanceof GraphError && err.statusCode === 401) return { ok: false };
      const failure = graphFailure(err, opts, state);
      logger().warn(
        {
          provider: "graph",
          status: err instanceof GraphError ? err.statusCode : undefined,
          graphCode: err instanceof GraphError ? err.code : undefined,
          requestId: err instanceof GraphError ? err.requestId : undefined,
          code: failure.code,
          correlationId: this.call.correlationId,
        },
        "Microsoft Graph call failed",
      );
      throw failure;
    }
  }

  private request(path: string, opts: RequestOptions, state: ThrottleState): GraphRequest {
    const r = this.client
      .api(path)
      .option("signal", this.call.signal)
      .middlewareOptions([
        retryOptions({ signal: this.call.signal, deadline: this.call.deadline, state }),
      ]);
    const id = clientRequestId(this.call.correlationId);
    if (id) r.header("client-request-id", id);
    if (opts.ifMatch !== undefined) r.header("If-Match", opts.ifMatch);
    if (opts.returnRepresentation) r.header("Prefer", "return=representation");
    return r;
  }

  private obtainToken(fresh: boolean): Promise<string> {
    return graphToken(this.principal, this.permission, {
      fresh,
      correlationId: this.call.correlationId,
    });
  }
}
