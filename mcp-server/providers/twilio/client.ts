import { AsyncLocalStorage } from "node:async_hooks";
import twilio from "twilio";
import type BaseRequestClient from "twilio/lib/base/RequestClient";
import type Response from "twilio/lib/http/response";
import { getConfig, type AppConfig } from "@/lib/config";

export type TwilioLiveConfig = Extract<AppConfig["providers"]["twilio"], { mode: "live" }>;

/** The status and headers of the last HTTP answer within one call. */
export interface TwilioAnswer {
  status?: number;
  headers?: Record<string, unknown>;
}

const answers = new AsyncLocalStorage<TwilioAnswer>();

/**
 * The SDK's own HTTP client (axios, keep-alive agent, no 429 auto-retry: an SMS is never sent
 * twice) that also notes each answer's headers for the call it belongs to — the SDK's
 * RestException keeps the JSON error body but drops the headers, and `Retry-After` is one.
 */
class AnsweringRequestClient extends twilio.RequestClient {
  override async request<TData>(
    opts: BaseRequestClient.RequestOptions<TData>,
  ): Promise<Response<TData>> {
    const res = await super.request(opts);
    const answer = answers.getStore();
    if (answer) {
      answer.status = res.statusCode;
      answer.headers = res.headers as Record<string, unknown>;
    }
    return res;
  }
}

// One SDK client per configuration (tests switch configurations; production builds it once).
const clients = new WeakMap<TwilioLiveConfig, twilio.Twilio>();

function clientFor(cfg: TwilioLiveConfig): twilio.Twilio {
  let client = clients.get(cfg);
  if (!client) {
    client = twilio(cfg.username, cfg.password, {
      accountSid: cfg.accountSid,
      httpClient: new AnsweringRequestClient({
        timeout: getConfig().mcp.toolTimeoutMs,
        keepAlive: true,
        autoRetry: false,
      }),
      // The SDK prints requests and response headers with console.log at "debug" (also when
      // TWILIO_LOG_LEVEL=debug is in the environment); our logs go through pino only.
      logLevel: "info",
    });
    clients.set(cfg, client);
  }
  return client;
}

export function liveTwilioConfig(): TwilioLiveConfig {
  const cfg = getConfig().providers.twilio;
  if (cfg.mode !== "live") throw new Error("The live Twilio provider is not configured.");
  return cfg;
}

/**
 * Runs one SDK call with the app's credentials. `answer` is filled with the HTTP status and
 * headers Twilio answered (or stays empty when no answer came), for the error mapping.
 */
export function withTwilio<T>(
  answer: TwilioAnswer,
  fn: (client: twilio.Twilio) => Promise<T>,
): Promise<T> {
  const client = clientFor(liveTwilioConfig());
  return answers.run(answer, () => fn(client));
}
