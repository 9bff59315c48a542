import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/local-foundry/[...path]/route";
import { resetConfig } from "@/lib/config";
import { mintLocalAccessToken } from "@/lib/identity/local-idp/tokens";
import { useFreshDb as openFreshDb } from "../helpers/db";

/** The Next route file: it mounts the service at /local-foundry, in embedded mode only. */
describe("app/local-foundry/[...path]/route.ts", () => {
  let close: () => Promise<void>;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "lf-route-"));
    process.env.DATA_DIR = dataDir;
    resetConfig();
    ({ close } = await openFreshDb("pglite"));
  });
  afterAll(async () => {
    await close?.();
    delete process.env.FOUNDRY_PROJECT_ENDPOINT;
    resetConfig();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("serves the agent service with verified local tokens", async () => {
    const token = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
    const res = await GET(
      new Request("http://localhost:3000/local-foundry/agents?api-version=v1", {
        headers: { authorization: `Bearer ${token}` },
      }),
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { name: string }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((a) => a.name)).toContain("assistant");
  });

  it("is not there when the app is configured for Azure AI Foundry", async () => {
    const token = await mintLocalAccessToken({ username: "alice", audience: "foundry" });
    process.env.FOUNDRY_PROJECT_ENDPOINT = "https://example.services.ai.azure.com/api/projects/p";
    resetConfig();
    const res = await POST(
      new Request("http://localhost:3000/local-foundry/openai/v1/conversations", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
