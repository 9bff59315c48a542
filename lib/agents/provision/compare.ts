import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { DesiredVersion } from "./definition";

/** An agent version as the service returns it (the SDK's `AgentVersion`, loosely). */
export interface ExistingVersion {
  version: string;
  description?: string | null;
  definition: unknown;
}

/** Definition fields provisioning writes; anything else the service adds or keeps is not compared. */
const MANAGED_DEFINITION_KEYS = ["kind", "model", "instructions", "tools"] as const;

/**
 * The comparable view of a version: the managed fields only, with absent, `null` and empty-string
 * values dropped at every depth (services fill defaults in differently, and the SDK's deserializer
 * writes `undefined` for every field it knows). Pure.
 */
export function managedView(v: { description?: string | null; definition: unknown }): unknown {
  const def = (v.definition ?? {}) as Record<string, unknown>;
  return prune({
    description: v.description,
    definition: Object.fromEntries(MANAGED_DEFINITION_KEYS.map((k) => [k, def[k]])),
  });
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const p = prune(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return value === null || value === "" ? undefined : value;
}

export interface VersionDiff {
  changed: boolean;
  /** A unified diff of the two views (YAML, sorted keys); empty when nothing changed. */
  text: string;
}

/** Compares the latest version (absent: the agent does not exist yet) with the desired one. Pure. */
export function diffVersion(
  current: ExistingVersion | undefined,
  desired: DesiredVersion,
): VersionDiff {
  const before = current ? render(managedView(current)) : "";
  const after = render(managedView(desired));
  if (before === after) return { changed: false, text: "" };
  const from = current
    ? `${desired.name} version ${current.version}`
    : `${desired.name} (none yet)`;
  const text = createTwoFilesPatch(from, `${desired.name} (generated)`, before, after, "", "", {
    context: 3,
  });
  return { changed: true, text };
}

function render(view: unknown): string {
  return stringify(view, { sortMapEntries: true, lineWidth: 100 });
}
