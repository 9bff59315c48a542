import { getConfig } from "@/lib/config";
import { OpenAICompatibleModel } from "./openai-compatible";
import { ScriptedModel } from "./scripted";
import type { LocalModel } from "./types";

/** The configured model: an OpenAI-compatible endpoint when LOCAL_MODEL_BASE_URL is set, else the scripted one. */
export function modelFromConfig(): LocalModel {
  const m = getConfig().localModel;
  if (m.baseUrl)
    return new OpenAICompatibleModel({ baseUrl: m.baseUrl, apiKey: m.apiKey, model: m.name });
  return new ScriptedModel({ pacingMs: m.pacingMs });
}
