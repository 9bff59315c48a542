import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { builtinTools, getTool } from "@/mcp-server/catalog";
import { dealerApiTools } from "@/mcp-server/catalog/tools/dealer-api";
import { generateOperations, snakeCase } from "@/mcp-server/openapi/generate";
import { DEALER_API_DOCUMENT, DEALER_API_GENERATED } from "@/mcp-server/openapi/paths";
import { isOpenApiTool } from "@/mcp-server/openapi/tools";

const expected: Record<string, { method: string; risk: string; privileged: boolean }> = {
  openapi_dealer_list_vehicles: { method: "get", risk: "read", privileged: false },
  openapi_dealer_get_vehicle: { method: "get", risk: "read", privileged: false },
  openapi_dealer_list_enquiries: { method: "get", risk: "read", privileged: false },
  openapi_dealer_create_enquiry: { method: "post", risk: "write", privileged: false },
  openapi_dealer_get_enquiry: { method: "get", risk: "read", privileged: false },
  openapi_dealer_update_enquiry_status: { method: "patch", risk: "write", privileged: false },
  openapi_dealer_list_bookings: { method: "get", risk: "read", privileged: false },
  openapi_dealer_create_booking: { method: "post", risk: "write", privileged: false },
  openapi_dealer_cancel_booking: { method: "delete", risk: "privileged", privileged: true },
  openapi_dealer_create_payment: { method: "post", risk: "privileged", privileged: true },
  openapi_dealer_get_payment: { method: "get", risk: "read", privileged: false },
};

function minimalDoc(paths: Record<string, unknown>, version = "3.0.3") {
  return { openapi: version, info: { title: "T", version: "1" }, paths };
}
const ok = { "200": { description: "ok" } };

describe("OpenAPI generation (bundled dealer API)", () => {
  it("names one tool per operation from its operationId, with risk and annotations from the method", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    expect(
      Object.fromEntries(
        api.operations.map((o) => [
          o.toolName,
          { method: o.method, risk: o.risk, privileged: o.privileged },
        ]),
      ),
    ).toEqual(expected);
    for (const op of api.operations) {
      expect(op.toolName).toBe(`openapi_dealer_${snakeCase(op.operationId)}`);
      expect(op.annotations.readOnlyHint).toBe(op.method === "get");
      expect(op.annotations.destructiveHint).toBe(
        op.method === "delete" || op.method === "patch" || op.method === "put",
      );
    }
  });

  it("resolves every $ref into plain JSON Schema", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    expect(JSON.stringify(api)).not.toContain("$ref");
    const enquiry = api.operations.find((o) => o.operationId === "createEnquiry")!;
    const body = enquiry.inputSchema.properties!.body!;
    expect(body.required).toEqual(["customer", "message"]);
    // #/components/schemas/Customer, inlined.
    expect(body.properties!.customer).toMatchObject({
      type: "object",
      required: ["name", "email"],
      properties: {
        email: { type: "string", format: "email" },
        phone: { type: "string", pattern: "^\\+[1-9]\\d{1,14}$" },
      },
    });
    // #/components/schemas/VehicleId via a parameter $ref, with the parameter's description.
    const getVehicle = api.operations.find((o) => o.operationId === "getVehicle")!;
    expect(getVehicle.inputSchema).toMatchObject({
      required: ["vehicleId"],
      properties: {
        vehicleId: {
          type: "string",
          pattern: "^veh_[a-z0-9]{4,32}$",
          description: "Vehicle id (veh_…).",
        },
      },
    });
    // #/components/parameters/Limit
    expect(
      api.operations.find((o) => o.operationId === "listVehicles")!.inputSchema.properties!.limit,
    ).toMatchObject({ type: "integer", minimum: 1, maximum: 50 });
    // Output schema from the 2xx response, also resolved.
    expect(
      api.operations.find((o) => o.operationId === "createPayment")!.outputSchema!.properties!
        .amount,
    ).toMatchObject({ type: "object", required: ["amountMinor", "currency"] });
  });

  it("the committed generated file is up to date with the document", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    expect(JSON.parse(fs.readFileSync(DEALER_API_GENERATED, "utf8"))).toEqual(
      JSON.parse(JSON.stringify(api)),
    );
  });

  it("catalog tools expose the HTTP method and a privileged hint for the policy", () => {
    expect(dealerApiTools.map((t) => t.name).sort()).toEqual(Object.keys(expected).sort());
    for (const t of dealerApiTools) {
      expect(getTool(t.name)).toBe(t);
      expect(isOpenApiTool(t)).toBe(true);
      expect(t.openapi.method).toBe(expected[t.name]!.method);
      expect(t.openapi.privileged).toBe(expected[t.name]!.privileged);
      expect(t.risk).toBe(expected[t.name]!.risk);
      expect(t.provider).toBe("openapi:dealer");
    }
    expect(builtinTools.filter(isOpenApiTool)).toHaveLength(Object.keys(expected).length);
  });

  it("generated zod schemas convert back to plain JSON Schema equal to the generated one", async () => {
    const api = await generateOperations(DEALER_API_DOCUMENT);
    for (const op of api.operations) {
      const tool = getTool(op.toolName)!;
      const back = z.toJSONSchema(tool.inputSchema) as Record<string, unknown>;
      delete back.$schema;
      expect(stripDescriptions(back)).toEqual(
        stripDescriptions(JSON.parse(JSON.stringify(op.inputSchema))),
      );
    }
  });
});

/**
 * zod orders keys differently, places descriptions as it likes and adds its own pattern next to a
 * format (email, date-time); compare the structure only.
 */
function stripDescriptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDescriptions);
  if (v && typeof v === "object") {
    const hasFormat = "format" in v;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "description" && !(hasFormat && k === "pattern"))
        .map(([k, x]) => [k, stripDescriptions(x)])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }
  return v;
}

describe("OpenAPI generation rules", () => {
  it("GET read, POST/PUT/PATCH write, DELETE privileged, x-privileged and payment writes privileged", async () => {
    const api = await generateOperations(
      minimalDoc({
        "/a": {
          get: { operationId: "getA", responses: ok },
          post: { operationId: "postA", responses: ok },
          put: { operationId: "putA", responses: ok },
          patch: { operationId: "patchA", responses: ok },
          delete: { operationId: "deleteA", responses: ok },
        },
        "/b": { post: { operationId: "refundB", "x-privileged": true, responses: ok } },
        "/c": {
          post: { operationId: "payC", tags: ["payments"], responses: ok },
          get: { operationId: "readC", tags: ["payments"], responses: ok },
        },
      }),
    );
    expect(Object.fromEntries(api.operations.map((o) => [o.toolName, o.risk]))).toEqual({
      get_a: "read",
      post_a: "write",
      put_a: "write",
      patch_a: "write",
      delete_a: "privileged",
      refund_b: "privileged",
      pay_c: "privileged",
      read_c: "read",
    });
  });

  it("merges allOf objects and reduces OpenAPI 3.1 nullable types", async () => {
    const api = await generateOperations({
      openapi: "3.1.0",
      info: { title: "T", version: "1" },
      paths: {
        "/x": {
          post: {
            operationId: "makeX",
            requestBody: {
              required: true,
              content: { "application/json": { schema: { $ref: "#/components/schemas/X" } } },
            },
            responses: ok,
          },
        },
      },
      components: {
        schemas: {
          Base: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
          X: {
            allOf: [
              { $ref: "#/components/schemas/Base" },
              { type: "object", properties: { note: { type: ["string", "null"] } } },
            ],
          },
        },
      },
    });
    expect(api.operations[0]!.inputSchema.properties!.body).toMatchObject({
      type: "object",
      required: ["id"],
      properties: { id: { type: "string" }, note: { type: "string" } },
    });
  });

  it.each([
    ["oneOf", { oneOf: [{ type: "string" }, { type: "integer" }] }],
    ["anyOf", { anyOf: [{ type: "string" }, { type: "integer" }] }],
    ["a multi-type", { type: ["string", "integer"] }],
  ])("refuses a document that needs %s", async (_l, schema) => {
    const doc = minimalDoc(
      {
        "/x": {
          get: {
            operationId: "getX",
            parameters: [{ name: "q", in: "query", schema }],
            responses: ok,
          },
        },
      },
      "3.1.0",
    );
    await expect(generateOperations(doc)).rejects.toThrow(/GET \/x parameter q/);
  });

  it("refuses operations without operationId and name clashes", async () => {
    await expect(
      generateOperations(minimalDoc({ "/x": { get: { responses: ok } } })),
    ).rejects.toThrow(/operationId/);
    await expect(
      generateOperations(
        minimalDoc({
          "/x": { get: { operationId: "getX", responses: ok } },
          "/y": { get: { operationId: "get_x", responses: ok } },
        }),
      ),
    ).rejects.toThrow(/get_x/);
  });

  it("refuses an invalid OpenAPI document", async () => {
    await expect(
      generateOperations({ openapi: "3.0.3", info: { title: "T" }, paths: {} }),
    ).rejects.toThrow();
  });

  it("snake_cases operationIds", () => {
    expect(snakeCase("listVehicles")).toBe("list_vehicles");
    expect(snakeCase("getHTTPStatus")).toBe("get_http_status");
    expect(snakeCase("update-enquiry.status")).toBe("update_enquiry_status");
  });
});
