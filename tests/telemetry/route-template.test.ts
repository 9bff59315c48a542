import { describe, expect, it } from "vitest";
import { routeTemplate } from "@/lib/telemetry/metrics";
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
