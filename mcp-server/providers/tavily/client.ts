import { AsyncLocalStorage } from "node:async_hooks";
import { tavily, type TavilyClient } from "@tavily/core";
import axios, { type AxiosError } from "axios";
import { getConfig, type AppConfig } from "@/lib/config";

export type TavilyLiveConfig = Extract<AppConfig["providers"]["tavily"], { mode: "live" }>;

export const TAVILY_API = "https://api.tavily.com";

/** The HTTP status and headers Tavily answered within one call (empty when no answer came). */
export interface TavilyAnswer {
  status?: number;
  headers?: Record<string, unknown>;
}

const answers = new AsyncLocalStorage<TavilyAnswer>();

/**
 * @tavily/core rethrows HTTP failures as a plain Error carrying only `detail.error`: the status
 * (400, 401, 429, 432, …) and `Retry-After` are lost. It posts with axios' default instance, so
 * an error interceptor there notes them for the call under way (AsyncLocalStorage), and rethrows
 * the same error untouched. Only Tavily requests made inside `withTavily` are noted.
 */
const KEY = Symbol.for("foundry-agent-chat.tavily-answer-interceptor");
function installAnswerInterceptor(): void {
  const holder = axios as unknown as { [KEY]?: true };
  if (holder[KEY]) return;
  holder[KEY] = true;
  axios.interceptors.response.use(undefined, (err: AxiosError) => {
    const answer = answers.getStore();
    if (answer && err.response && err.config?.url?.startsWith(`${TAVILY_API}/`)) {
      answer.status = err.response.status;
      answer.headers = { ...(err.response.headers as Record<string, unknown>) };
    }
    return Promise.reject(err);
  });
}

// One SDK client per configuration (tests switch configurations; production builds it once).
const clients = new WeakMap<TavilyLiveConfig, TavilyClient>();

function clientFor(cfg: TavilyLiveConfig): TavilyClient {
  let client = clients.get(cfg);
  if (!client) {
    // Key and base URL explicit: without them the SDK would read TAVILY_API_KEY itself or fall
    // back to keyless mode. (It still honours TAVILY_HTTP(S)_PROXY, an egress proxy, by design.)
    client = tavily({ apiKey: cfg.apiKey, apiBaseURL: TAVILY_API });
    clients.set(cfg, client);
  }
  return client;
}

export function liveTavilyConfig(): TavilyLiveConfig {
  const cfg = getConfig().providers.tavily;
  if (cfg.mode !== "live") throw new Error("The live Tavily provider is not configured.");
  return cfg;
}

/** Runs one SDK call with the app's key; `answer` receives Tavily's status and headers on failure. */
export function withTavily<T>(
  answer: TavilyAnswer,
  fn: (client: TavilyClient) => Promise<T>,
): Promise<T> {
  installAnswerInterceptor();
  const client = clientFor(liveTavilyConfig());
  return answers.run(answer, () => fn(client));
}
