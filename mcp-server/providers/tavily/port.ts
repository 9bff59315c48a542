import { getConfig } from "@/lib/config";
import { sandboxTavily } from "../sandbox/search";
import { liveTavily } from "./search";
import type { TavilyPort } from "./types";

export type { SearchArgs, SearchResult, TavilyPort } from "./types";

/** The sandbox unless TAVILY_PROVIDER=live. */
export function tavilyProvider(): TavilyPort {
  return getConfig().providers.tavily.mode === "live" ? liveTavily : sandboxTavily;
}
