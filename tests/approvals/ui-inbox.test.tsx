// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApprovalDetail } from "@/components/approvals/ApprovalDetail";
import { ApprovalsInbox } from "@/components/approvals/ApprovalsInbox";
import { timeAgo } from "@/components/approvals/format";
import { applyFeedEvent, emptyInbox, placement } from "@/components/approvals/inbox-state";
import type { ApprovalFeedEvent, ApprovalView } from "@/lib/approvals/view";

vi.mock("next/navigation", () => ({ useRouter: () => ({ replace: vi.fn(), push: vi.fn() }) }));

const id = (n: number) => `appr_${String(n).repeat(32).slice(0, 32)}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const minutesAhead = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

function approval(over: Partial<ApprovalView> = {}): ApprovalView {
  return {
    id: id(1),
    status: "pending",
    source: "chat",
    tool: "make_payment",
    serverLabel: "contoso-tools",
    arguments: '{"amount":120,"currency":"EUR","to":"Fabrikam"}',
    risk: "privileged",
    requiredRole: "Approver",
    requester: { id: "u-alice", name: "Alice Anderson" },
    conversationId: null,
    context: "Pay Fabrikam's invoice of 120 EUR",
    createdAt: minutesAgo(2),
    expiresAt: minutesAhead(28),
    decidedBy: null,
    decidedAt: null,
    reason: null,
    canDecide: true,
    ...over,
  };
}

/** An SSE response the test writes frames into. */
function feedStream() {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    send(e: ApprovalFeedEvent) {
      controller.enqueue(
        encoder.encode(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
      );
    },
  };
}

let lists: Record<string, ApprovalView[]>;
let feed: ReturnType<typeof feedStream>;
let fetchMock: ReturnType<typeof vi.fn>;
let decision: () => Response;

beforeEach(() => {
  feed = feedStream();
  lists = {
    "inbox:pending": [approval()],
    "inbox:decided": [
      approval({
        id: id(2),
        tool: "delete_task",
        status: "approved",
        decidedBy: { id: "u-carol", name: "Carol Chen" },
        decidedAt: minutesAgo(10),
        reason: "Duplicate task",
        canDecide: false,
      }),
    ],
    "mine:pending": [],
    "mine:decided": [],
  };
  decision = () =>
    Response.json({
      id: id(1),
      status: "approved",
      decidedBy: "Carol Chen",
      decidedAt: new Date().toISOString(),
    });
  fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://app.test");
    if (url.pathname === "/api/approvals/events") return feed.response;
    if (url.pathname === "/api/approvals") {
      const key = `${url.searchParams.get("scope")}:${url.searchParams.get("status")}`;
      return Response.json({ items: lists[key] ?? [] });
    }
    if (url.pathname.endsWith("/decision") && init?.method === "POST") return decision();
    const one = Object.values(lists)
      .flat()
      .find((a) => url.pathname === `/api/approvals/${a.id}`);
    return one
      ? Response.json(one)
      : Response.json({ title: "No such approval request." }, { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const getAccessToken = async () => "token-carol";

async function renderInbox() {
  await act(async () => {
    render(<ApprovalsInbox getAccessToken={getAccessToken} />);
  });
}

const section = (name: string) =>
  screen.getByRole("heading", { name: new RegExp(`^${name}`) }).closest("section")!;

describe("approvals inbox", () => {
  it("renders pending and recently decided requests from the API", async () => {
    await renderInbox();
    expect(screen.getByRole("heading", { level: 1, name: "Approvals" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: /To decide/ }).getAttribute("aria-selected")).toBe(
      "true",
    );

    const item = await within(section("Pending")).findByRole("article", { name: "make_payment" });
    expect(within(item).getByText("on contoso-tools")).toBeTruthy();
    expect(within(item).getByText("privileged")).toBeTruthy();
    expect(within(item).getByText("Alice Anderson")).toBeTruthy();
    expect(within(item).getByText("2 min ago")).toBeTruthy();
    expect(within(item).getByText(/expires in 2\d min/)).toBeTruthy();
    expect(within(item).getByText("Pay Fabrikam's invoice of 120 EUR")).toBeTruthy();
    expect(item.querySelector("pre")?.textContent).toContain('"amount": 120');
    expect(within(item).getByRole("button", { name: "Approve" })).toBeTruthy();
    expect(within(item).getByRole("button", { name: "Reject" })).toBeTruthy();

    const done = within(section("Recently decided")).getByRole("article", { name: "delete_task" });
    expect(within(done).getByText("Approved by Carol Chen")).toBeTruthy();
    expect(within(done).getByText("Duplicate task")).toBeTruthy();
    expect(within(done).queryByRole("button", { name: "Approve" })).toBeNull();

    const calls = fetchMock.mock.calls.map(([u]) => String(u));
    expect(calls).toContain("/api/approvals?scope=inbox&status=pending&limit=200");
    expect(calls).toContain("/api/approvals?scope=mine&status=decided&limit=20");
  });

  it("adds a request from the live feed, and moves a decided one to Recently decided", async () => {
    await renderInbox();
    await within(section("Pending")).findByRole("article", { name: "make_payment" });

    const sms = approval({
      id: id(3),
      tool: "send_bulk_sms",
      requester: { id: "u-bob", name: "Bob Brown" },
      context: "Text the whole team",
      createdAt: new Date().toISOString(),
    });
    await act(async () => {
      feed.send({ seq: 7, type: "approval.requested", at: sms.createdAt, approval: sms });
    });
    const added = await within(section("Pending")).findByRole("article", {
      name: "send_bulk_sms",
    });
    expect(within(added).getByText("Bob Brown")).toBeTruthy();
    expect(within(added).getByText("just now")).toBeTruthy();
    await waitFor(() =>
      expect(screen.getByText("New approval request from Bob Brown: send_bulk_sms.")).toBeTruthy(),
    );

    const decided = {
      ...sms,
      status: "rejected" as const,
      decidedBy: { id: "u-dana", name: "Dana Diaz" },
      decidedAt: new Date().toISOString(),
      canDecide: false,
    };
    await act(async () => {
      feed.send({ seq: 8, type: "approval.decided", at: decided.decidedAt, approval: decided });
    });
    await waitFor(() =>
      expect(
        within(section("Pending")).queryByRole("article", { name: "send_bulk_sms" }),
      ).toBeNull(),
    );
    const moved = within(section("Recently decided")).getByRole("article", {
      name: "send_bulk_sms",
    });
    expect(within(moved).getByText("Rejected by Dana Diaz")).toBeTruthy();
  });

  it("decides with a reason right there", async () => {
    await renderInbox();
    const item = await within(section("Pending")).findByRole("article", { name: "make_payment" });
    fireEvent.change(within(item).getByLabelText("Reason (optional)"), {
      target: { value: "Invoice checked" },
    });
    await act(async () => {
      fireEvent.click(within(item).getByRole("button", { name: "Approve" }));
    });
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === "POST")!;
    expect(String(post[0])).toBe(`/api/approvals/${id(1)}/decision`);
    expect(JSON.parse(post[1].body as string)).toEqual({
      approve: true,
      reason: "Invoice checked",
    });
    const moved = await within(section("Recently decided")).findByRole("article", {
      name: "make_payment",
    });
    expect(within(moved).getByText("Approved by Carol Chen")).toBeTruthy();
    expect(within(moved).getByText("Invoice checked")).toBeTruthy();
  });

  it("when someone decided first, says so and shows the request as it is now", async () => {
    decision = () =>
      Response.json({ title: "This request was already decided or has expired." }, { status: 409 });
    await renderInbox();
    const item = await within(section("Pending")).findByRole("article", { name: "make_payment" });
    lists["inbox:pending"] = [
      approval({
        status: "approved",
        decidedBy: { id: "u-dana", name: "Dana Diaz" },
        decidedAt: new Date().toISOString(),
        canDecide: false,
      }),
    ];
    await act(async () => {
      fireEvent.click(within(item).getByRole("button", { name: "Reject" }));
    });
    const moved = await within(section("Recently decided")).findByRole("article", {
      name: "make_payment",
    });
    expect(within(moved).getByText("Approved by Dana Diaz")).toBeTruthy();
    expect(within(moved).getByRole("alert").textContent).toBe(
      "Someone already decided this request.",
    );
  });

  it("shows My requests in their own tab, reachable with the arrow keys", async () => {
    lists["mine:pending"] = [
      approval({
        id: id(4),
        tool: "wire_transfer",
        requester: { id: "u-carol", name: "Carol Chen" },
        conversationId: "conv_1",
        canDecide: false,
      }),
    ];
    await renderInbox();
    const inboxTab = screen.getByRole("tab", { name: /To decide/ });
    inboxTab.focus();
    fireEvent.keyDown(inboxTab, { key: "ArrowRight" });
    const mineTab = screen.getByRole("tab", { name: "My requests" });
    expect(mineTab.getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(mineTab);
    const panel = screen.getByRole("tabpanel", { name: "My requests" });
    const mine = await within(panel).findByRole("article", { name: "wire_transfer" });
    expect(within(mine).getByText(/Waiting for an approver/)).toBeTruthy();
    expect(within(mine).queryByRole("button", { name: "Approve" })).toBeNull();
    expect(within(mine).getByRole("link", { name: "Open the conversation" })).toBeTruthy();
  });
});

describe("approval detail", () => {
  it("shows one request with its decide controls", async () => {
    await act(async () => {
      render(<ApprovalDetail id={id(1)} getAccessToken={getAccessToken} />);
    });
    const item = await screen.findByRole("article", { name: "make_payment" });
    expect(within(item).getByRole("button", { name: "Approve" })).toBeTruthy();
  });

  it("says a missing or hidden request does not exist", async () => {
    await act(async () => {
      render(<ApprovalDetail id={id(9)} getAccessToken={getAccessToken} />);
    });
    expect((await screen.findByRole("alert")).textContent).toBe(
      "This approval request does not exist or is not yours to see.",
    );
  });
});

describe("inbox state", () => {
  it("places feed entries by the user's id, exactly as the rules do", () => {
    const privileged = approval();
    expect(placement(privileged, "u-carol")).toEqual({ mine: false, inbox: true });
    expect(placement(privileged, "u-alice")).toEqual({ mine: true, inbox: false });
    const write = approval({ risk: "write", requiredRole: null });
    expect(placement(write, "u-alice")).toEqual({ mine: true, inbox: true });
  });

  it("ignores replays and never turns a decided request back into a pending one", () => {
    const pending = approval();
    const decided = approval({ status: "approved", canDecide: false });
    let s = applyFeedEvent(
      emptyInbox(),
      { seq: 2, type: "approval.decided", at: "", approval: decided },
      "u-carol",
    );
    s = applyFeedEvent(
      s,
      { seq: 1, type: "approval.requested", at: "", approval: pending },
      "u-carol",
    );
    expect(s.inbox[pending.id]!.status).toBe("approved");
  });

  it("words ages briefly", () => {
    const now = Date.parse("2026-03-17T10:00:00Z");
    expect(timeAgo("2026-03-17T09:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-03-17T09:58:00Z", now)).toBe("2 min ago");
    expect(timeAgo("2026-03-17T07:00:00Z", now)).toBe("3 h ago");
  });
});
