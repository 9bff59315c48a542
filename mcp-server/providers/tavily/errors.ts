import { ToolError } from "@/mcp-server/catalog/types";
import { retryAfterSeconds } from "../retry-after";
import type { TavilyAnswer } from "./client";

const provider = "tavily";

/**
 * Maps a failed search onto our error codes from the status Tavily answered (its documented
 * errors: 400, 401, 429, 432, 433, 5xx; body `{ detail: { error } }`). The key is the app's, so
 * 401/403 are a misconfiguration, not a session to renew. Messages never carry the key.
 */
export function tavilyToolError(err: unknown, answer: TavilyAnswer): ToolError {
  const status = answer.status;
  // Tavily's own sentence (the SDK's message is `detail.error`); it describes the request only.
  const detail = err instanceof Error && err.message ? ` Tavily says: ${err.message}` : "";
  if (status === undefined)
    // No answer at all: timeout, reset, DNS. A search changes nothing, so it may be repeated.
    return new ToolError("provider_error", "Tavily could not be reached; try again shortly.", {
      retriable: true,
      provider,
    });
  if (status === 400 || status === 422)
    return new ToolError(
      "invalid_arguments",
      `Tavily refused the search (HTTP ${status}).${detail}`,
    );
  if (status === 401 || status === 403)
    return new ToolError(
      "provider_error",
      `Tavily rejected this app's API key (HTTP ${status}): TAVILY_API_KEY is missing, wrong or revoked. An administrator must fix the app's Tavily configuration.`,
      { retriable: false, provider },
    );
  if (status === 429) {
    const after = retryAfterSeconds(answer.headers?.["retry-after"]);
    return new ToolError(
      "rate_limited",
      "Tavily is limiting this app's searches; try again later.",
      {
        retriable: true,
        provider,
        ...(after !== undefined ? { retryAfterSeconds: after } : {}),
      },
    );
  }
  // 432 (plan limit) and 433 (pay-as-you-go limit) last until someone raises the limit on the
  // Tavily dashboard: waiting a few seconds cannot help, so not `rate_limited` and not retriable.
  if (status === 432 || status === 433)
    return new ToolError(
      "provider_error",
      `This app has used up its Tavily ${status === 432 ? "plan" : "pay-as-you-go"} limit (HTTP ${status}); web search is unavailable until an administrator raises it on the Tavily dashboard.`,
      { retriable: false, provider },
    );
  return new ToolError(
    "provider_error",
    status >= 500
      ? `Tavily had a server error (HTTP ${status}); try again shortly.`
      : `Tavily answered HTTP ${status}.${detail}`,
    { retriable: status >= 500, provider },
  );
}
