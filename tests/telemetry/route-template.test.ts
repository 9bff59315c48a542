import { describe, expect, it } from "vitest";
import { json, route } from "@/lib/http/route";
import { metrics, routeTemplate } from "@/lib/telemetry/metrics";
import { metricOutcome } from "@/mcp-server/results";

describe("metric labels stay bounded", () => {
  it("names a route's dynamic segments instead of their values", () => {
    expect(routeTemplate("/api/conversations/3f2a/events", { id: "3f2a" })).toBe(
      "/api/conversations/:id/events",
    );
    expect(
      routeTemplate("/api/conversations/c1/consents/a%20b/continue", {
        id: "c1",
        consentId: "a b",
      }),
    ).toBe("/api/conversations/:id/consents/:consentId/continue");
    expect(
      routeTemplate("/local-foundry/openai/v1/responses", { path: ["openai", "v1", "responses"] }),
    ).toBe("/local-foundry/:path");
    expect(routeTemplate("/api/health", {})).toBe("/api/health");
  });

  it("a param equal to a static segment still yields the route's shape", () => {
    expect(routeTemplate("/api/conversations/conversations", { id: "conversations" })).toBe(
      "/api/conversations/:id",
    );
  });

  it("tool outcomes outside the known codes become 'error'", () => {
    expect(metricOutcome("ok")).toBe("ok");
    expect(metricOutcome("approval_required")).toBe("approval_required");
    expect(metricOutcome("rate_limited")).toBe("rate_limited");
    expect(metricOutcome("whatever the provider said")).toBe("error");
  });
});

describe("route() labels requests by route template", () => {
  const count = async (labels: Record<string, string>) =>
    (await metrics().httpRequests.get()).values
      .filter((v) =>
        Object.entries(labels).every(
          ([k, want]) => (v.labels as Record<string, unknown>)[k] === want,
        ),
      )
      .reduce((n, v) => n + v.value, 0);

  it("route_without_params_from_next_is_labelled_by_its_path_not_unmatched", async () => {
    // Next hands a route without dynamic segments `{ params: Promise<undefined> }`.
    const handler = route(async () => json({ ok: true }));
    const segment = { params: Promise.resolve(undefined as unknown as Record<string, never>) };
    const before = await count({ route: "/api/static-thing", status: "200" });
    const res = await handler(new Request("http://127.0.0.1/api/static-thing"), segment);
    expect(res.status).toBe(200);
    expect(await count({ route: "/api/static-thing", status: "200" })).toBe(before + 1);
  });

  it("a dynamic route is labelled with its parameter names", async () => {
    const handler = route<{ id: string }>(async () => json({ ok: true }));
    const before = await count({ route: "/api/things/:id", method: "GET" });
    await handler(new Request("http://127.0.0.1/api/things/t-123"), {
      params: Promise.resolve({ id: "t-123" }),
    });
    expect(await count({ route: "/api/things/:id", method: "GET" })).toBe(before + 1);
  });
});
