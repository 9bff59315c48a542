import { describe, expect, it } from "vitest";
import { initialNormalizerState, normalizeResponseDetailed } from "@/lib/agents/normalizer";
import type { ConsentLinkPolicy } from "@/lib/agents/normalizer/consent-links";
import { dataOf, runStream, typesOf } from "../chat/helpers/normalizer";

type Item = Record<string, unknown>;
let seq = 0;
const ev = (type: string, fields: Item = {}): Item => ({ type, sequence_number: seq++, ...fields });
const created = (id = "resp_1") =>
  ev("response.created", { response: { id, status: "in_progress", output: [] } });
const added = (item: Item) => ev("response.output_item.added", { item });
const done = (item: Item) => ev("response.output_item.done", { item });
const ended = (status: string, output: Item[], extra: Item = {}) =>
  ev(`response.${status}`, { response: { id: "resp_1", status, output, ...extra } });

const policy: ConsentLinkPolicy = {
  origins: ["https://login.microsoftonline.com", "https://*.consent.azure-apihub.net"],
};
const from = () => initialNormalizerState({ consentLinks: policy });
const FOUNDRY_LINK = "https://logic-swedencentral-001.consent.azure-apihub.net/login?data=xyz";
const EVIL_LINK = "https://evil.example.net/login?session=secret-token";

const oauthItem = (link: unknown, id = "oauthreq_1"): Item => ({
  type: "oauth_consent_request",
  id,
  created_by: {},
  consent_link: link,
  server_label: "github",
});

describe("consent: oauth_consent_request item (Foundry's documented shape)", () => {
  it("an allowed link → consent.requested, and the run pauses", () => {
    seq = 0;
    const run = runStream(
      [created(), done(oauthItem(FOUNDRY_LINK)), ended("completed", [oauthItem(FOUNDRY_LINK)])],
      { finish: true, from: from() },
    );
    expect(run.events).toEqual([
      {
        type: "consent.requested",
        data: { consentId: "oauthreq_1", serverLabel: "github", link: FOUNDRY_LINK },
      },
    ]);
    expect(run.state.awaiting).toBe("consent");
  });

  it("a link off the allowlist fails the run without ever showing the link", () => {
    seq = 0;
    const run = runStream(
      [created(), done(oauthItem(EVIL_LINK)), ended("completed", [oauthItem(EVIL_LINK)])],
      { finish: true, from: from() },
    );
    expect(typesOf(run.events)).toEqual(["run.failed"]);
    expect(run.events[0]!.data).toMatchObject({
      code: "consent_link_not_allowed",
      retriable: false,
    });
    expect(JSON.stringify(run.events)).not.toContain("evil.example.net");
    expect(JSON.stringify(run.events)).not.toContain("secret-token");
    expect(run.state.awaiting).toBeNull();
  });

  it("without a policy every link is refused (fails closed)", () => {
    const detailed = normalizeResponseDetailed({
      id: "resp_x",
      status: "completed",
      output: [oauthItem(FOUNDRY_LINK)],
    });
    expect(typesOf(detailed.events)).toEqual(["run.failed"]);
    expect(detailed.events[0]!.data).toMatchObject({ code: "consent_link_not_allowed" });
  });

  it("keeps the policy for a later response in the same stream (a continuation)", () => {
    seq = 0;
    const first = runStream([created("resp_1"), ended("completed", [])], { from: from() });
    const second = runStream(
      [
        ev("response.created", { response: { id: "resp_2", status: "in_progress", output: [] } }),
        done(oauthItem(FOUNDRY_LINK, "oauthreq_2")),
        ev("response.completed", {
          response: {
            id: "resp_2",
            status: "completed",
            output: [oauthItem(FOUNDRY_LINK, "oauthreq_2")],
          },
        }),
      ],
      { from: first.state },
    );
    expect(typesOf(second.events)).toEqual(["consent.requested"]);
  });
});

describe("consent: the response.oauth_consent_requested event", () => {
  const consentEvent = (link: string) =>
    ev("response.oauth_consent_requested", {
      output_index: 0,
      id: "oacr_1",
      consent_link: link,
      server_label: "toolbox",
    });

  it("asks once, with its item following (hosted agents send both) and the response incomplete", () => {
    seq = 0;
    const item = { ...oauthItem(FOUNDRY_LINK, "oacr_1"), server_label: "toolbox" };
    const run = runStream(
      [
        created(),
        added(item),
        consentEvent(FOUNDRY_LINK),
        done(item),
        ended("incomplete", [item], { incomplete_details: null }),
      ],
      { finish: true, from: from() },
    );
    expect(run.events).toEqual([
      {
        type: "consent.requested",
        data: { consentId: "oacr_1", serverLabel: "toolbox", link: FOUNDRY_LINK },
      },
    ]);
    expect(run.state.awaiting).toBe("consent");
    expect(run.state.pendingConsentIds).toEqual(["oacr_1"]);
  });

  it("the event alone is enough (item_id form)", () => {
    seq = 0;
    const run = runStream(
      [
        created(),
        ev("response.oauth_consent_requested", { item_id: "oacr_9", consent_link: FOUNDRY_LINK }),
        ended("completed", []),
      ],
      { finish: true, from: from() },
    );
    expect(run.events).toEqual([
      { type: "consent.requested", data: { consentId: "oacr_9", link: FOUNDRY_LINK } },
    ]);
    expect(run.state.awaiting).toBe("consent");
  });

  it("a refused link in the event fails the run, link-free", () => {
    seq = 0;
    const run = runStream([created(), consentEvent(EVIL_LINK), ended("incomplete", [])], {
      finish: true,
      from: from(),
    });
    expect(typesOf(run.events)).toEqual(["run.failed"]);
    expect(JSON.stringify(run.events)).not.toContain("secret-token");
  });
});

describe("consent: hosted agent ending incomplete", () => {
  it("an incomplete non-streaming response with an oacr_ item pauses instead of failing", () => {
    const detailed = normalizeResponseDetailed(
      {
        id: "resp_h",
        status: "incomplete",
        incomplete_details: null,
        output: [oauthItem(FOUNDRY_LINK, "oacr_abc")],
      },
      { consentLinks: policy },
    );
    expect(typesOf(detailed.events)).toEqual(["consent.requested"]);
    expect(detailed.state.awaiting).toBe("consent");
  });

  it("incomplete without a consent request still fails as before", () => {
    seq = 0;
    const run = runStream(
      [created(), ended("incomplete", [], { incomplete_details: { reason: "max_output_tokens" } })],
      { from: from() },
    );
    expect(typesOf(run.events)).toEqual(["run.failed"]);
    expect(run.events[0]!.data).toMatchObject({ code: "incomplete" });
  });
});

describe("consent: Foundry toolbox MCP errors -32006 / -32007", () => {
  const toolboxMessage = (url: string) =>
    `tools/list failed for 1 tool source(s), succeeded for 0 tool source(s) ${JSON.stringify({
      errors: [{ name: "github", type: "mcp", error: { code: "CONSENT_REQUIRED", message: url } }],
    })}`;

  it("mcp_list_tools with -32006 → consent.requested (consentId = the item id)", () => {
    seq = 0;
    const listing = {
      type: "mcp_list_tools",
      id: "mcpl_1",
      server_label: "toolbox",
      tools: [],
      error: { type: "mcp_protocol_error", code: -32006, message: toolboxMessage(FOUNDRY_LINK) },
    };
    const run = runStream([created(), done(listing), ended("failed", [listing])], {
      finish: true,
      from: from(),
    });
    expect(run.events).toEqual([
      {
        type: "consent.requested",
        data: { consentId: "mcpl_1", serverLabel: "toolbox", link: FOUNDRY_LINK },
      },
    ]);
    expect(run.state.awaiting).toBe("consent");
  });

  it("mcp_call with -32007 (URL in a plain message): the call fails as 'sign-in needed', consent asked", () => {
    seq = 0;
    const call = {
      type: "mcp_call",
      id: "mcp_1",
      server_label: "toolbox",
      name: "list_repos",
      arguments: "{}",
    };
    const failed = {
      ...call,
      status: "failed",
      error: `MCP error -32007: consent required, visit ${FOUNDRY_LINK}`,
    };
    const run = runStream([created(), added(call), done(failed), ended("completed", [failed])], {
      finish: true,
      from: from(),
    });
    expect(typesOf(run.events)).toEqual([
      "tool.call.started",
      "tool.call.failed",
      "consent.requested",
    ]);
    expect(dataOf(run.events, "tool.call.failed")[0]).toMatchObject({
      callId: "mcp_1",
      error: "Sign-in is needed before this tool can run.",
    });
    expect(dataOf(run.events, "consent.requested")[0]).toEqual({
      consentId: "mcp_1",
      serverLabel: "toolbox",
      link: FOUNDRY_LINK,
    });
    expect(run.state.awaiting).toBe("consent");
  });

  it("a toolbox consent URL off the allowlist fails the run and the call, link-free", () => {
    seq = 0;
    const call = { type: "mcp_call", id: "mcp_2", server_label: "toolbox", name: "x" };
    const failed = {
      ...call,
      error: { type: "mcp_protocol_error", code: -32006, message: toolboxMessage(EVIL_LINK) },
    };
    const run = runStream([created(), added(call), done(failed), ended("completed", [failed])], {
      finish: true,
      from: from(),
    });
    expect(typesOf(run.events)).toEqual(["tool.call.started", "tool.call.failed", "run.failed"]);
    expect(run.events.at(-1)!.data).toMatchObject({ code: "consent_link_not_allowed" });
    expect(JSON.stringify(run.events)).not.toContain("evil.example.net");
  });

  it("other MCP errors are ordinary tool failures", () => {
    seq = 0;
    const call = { type: "mcp_call", id: "mcp_3", server_label: "toolbox", name: "x" };
    const failed = {
      ...call,
      error: { type: "mcp_protocol_error", code: -32602, message: "Invalid params" },
    };
    const run = runStream([created(), added(call), done(failed), ended("completed", [failed])], {
      finish: true,
      from: from(),
    });
    expect(typesOf(run.events)).toEqual(["tool.call.started", "tool.call.failed", "run.completed"]);
  });
});
