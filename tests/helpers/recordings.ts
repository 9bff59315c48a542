import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createParser } from "eventsource-parser";

/** Real Foundry traffic, shared by every engineer (see its README). */
export const recordingsDir = fileURLToPath(
  new URL("../../../shared/fixtures/foundry-recordings/", import.meta.url),
);

export interface RecordingEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestHeaders: Record<string, string>;
  RequestBody: unknown;
  StatusCode: number;
  ResponseHeaders: Record<string, string>;
  /** Parsed JSON, or for SSE the raw text split into an array of strings. */
  ResponseBody: unknown;
}

export interface Recording {
  name: string;
  Entries: RecordingEntry[];
  Variables: Record<string, unknown>;
}

export interface SseFrame {
  event: string | undefined;
  data: unknown;
}

export function recordingNames(): string[] {
  return readdirSync(recordingsDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

/** By file name (with or without `.json`) or any substring that picks exactly one recording. */
export function loadRecording(name: string): Recording {
  const wanted = name.replace(/\.json$/, "");
  const names = recordingNames();
  const matches = names.includes(wanted) ? [wanted] : names.filter((n) => n.includes(wanted));
  if (matches.length !== 1)
    throw new Error(`"${name}" matches ${matches.length} recordings: ${matches.join(", ")}`);
  const file = `${recordingsDir}${matches[0]}.json`;
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Omit<Recording, "name">;
  return { name: matches[0]!, ...parsed };
}

export function isStreaming(entry: RecordingEntry): boolean {
  return Array.isArray(entry.ResponseBody);
}

/** Rebuilds the SSE text of a streaming entry and parses it the way a client would. */
export function sseFramesOf(entry: RecordingEntry): SseFrame[] {
  if (!isStreaming(entry)) throw new Error(`${entry.RequestUri} is not a streaming response`);
  const frames: SseFrame[] = [];
  const parser = createParser({
    onEvent: (message) =>
      frames.push({ event: message.event, data: JSON.parse(message.data) as unknown }),
  });
  parser.feed((entry.ResponseBody as string[]).join(""));
  return frames;
}

/** The `POST …/openai/v1/responses` exchanges, in order. */
export function responsesOf(recording: Recording): RecordingEntry[] {
  return recording.Entries.filter(
    (e) =>
      e.RequestMethod === "POST" && new URL(e.RequestUri).pathname.endsWith("/openai/v1/responses"),
  );
}
