import { describe, expect, it, vi } from "vitest";
import { ToolError } from "@/mcp-server/catalog/types";

/**
 * Regression (e2e, "Connect Twilio" never shown): under `next dev` the catalog was loaded by the
 * instrumentation bundle and called from the route bundle, whose `ToolError` was another class,
 * so `auth_required` became "The tool failed unexpectedly".
 */
describe("ToolError", () => {
  it("tool_error_from_another_module_copy_is_still_a_tool_error", async () => {
    vi.resetModules();
    const copy = await import("@/mcp-server/catalog/types");
    expect(copy.ToolError).not.toBe(ToolError);
    const thrown = new copy.ToolError("auth_required", "Connect first.");
    expect(thrown instanceof ToolError).toBe(true);
    expect(new ToolError("timeout", "slow") instanceof copy.ToolError).toBe(true);
  });

  it("other_errors_are_not_tool_errors", () => {
    expect(new Error("x") instanceof ToolError).toBe(false);
    expect({ code: "auth_required", name: "ToolError" } instanceof ToolError).toBe(false);
    expect((null as unknown) instanceof ToolError).toBe(false);
  });
});
