import type { Composio, OpenAIProvider, Sessions, ToolRouterSession } from "@composio/core";
import type { ComposioSettings } from "@/lib/config";

/**
 * The official SDK (`@composio/core`), built once per process and settings. It is imported only
 * when Composio is configured, so the sandbox default never loads it.
 *
 * - Tracking and the npm version check are off: the SDK would otherwise call Composio's telemetry
 *   endpoint and the npm registry on its own. API key, base URL and toolkit versions are passed
 *   explicitly, so the SDK never takes them from the environment or ~/.composio.
 * - Session calls (create, execute, link) go through a client with `maxRetries: 0`. The SDK's
 *   client retries 408/409/429/5xx itself (sleeping up to a minute on Retry-After); a retried
 *   execute could run a write twice, and our MCP core owns timeouts, retries and the breaker.
 *   The tool listing keeps the SDK's retries (a read, bounded by the source's 10 s budget).
 */
export interface ComposioSdk {
  composio: Composio;
  sessions: Sessions<unknown, unknown, OpenAIProvider>;
  /** A handle on an existing Tool Router session; its id is all the SDK needs (no request). */
  session(id: string): ToolRouterSession<unknown, unknown, OpenAIProvider>;
}

const KEY = Symbol.for("foundry-agent-chat.composio.sdk");
type Holder = { [KEY]?: Map<string, Promise<ComposioSdk>> };

function cache(): Map<string, Promise<ComposioSdk>> {
  const g = globalThis as Holder;
  g[KEY] ??= new Map();
  return g[KEY];
}

export function composioSdk(settings: ComposioSettings): Promise<ComposioSdk> {
  const key = `${settings.baseUrl}\u0000${settings.apiKey}`;
  let sdk = cache().get(key);
  if (!sdk) {
    sdk = build(settings);
    cache().set(key, sdk);
    sdk.catch(() => cache().delete(key));
  }
  return sdk;
}

async function build(settings: ComposioSettings): Promise<ComposioSdk> {
  const core = await import("@composio/core");
  const composio = new core.Composio({
    apiKey: settings.apiKey,
    baseURL: settings.baseUrl,
    allowTracking: false,
    disableVersionCheck: true,
    // Explicit, so the SDK does not read COMPOSIO_TOOLKIT_VERSION_* from the environment itself.
    toolkitVersions: "latest",
  });
  const config = composio.getConfig();
  const client = composio.getClient().withOptions({ maxRetries: 0 });
  const sessions = new core.Sessions<unknown, unknown, OpenAIProvider>(client, config);
  return {
    composio,
    sessions,
    session: (id) =>
      new core.ToolRouterSession<unknown, unknown, OpenAIProvider>(client, config, id, {
        type: "http",
        url: "",
        headers: {},
      }),
  };
}

/** Tests change the settings between files. */
export function resetComposioSdk(): void {
  cache().clear();
}
