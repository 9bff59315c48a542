// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApprovalsClientProvider } from "@/components/approvals/ApprovalsClientContext";
import { ApprovalCard } from "@/components/chat/blocks/ApprovalCard";
import { TurnView } from "@/components/chat/TurnView";
import { draft } from "@/lib/chat/events";
import { reduceAll, type ApprovalBlock } from "@/lib/chat/reducer";
import { stamper } from "../chat/helpers/events";

const APPROVAL_ID = `appr_${"a".repeat(32)}`;

const pendingWrite: ApprovalBlock = {
  type: "approval",
  approvalRequestId: "mcpr_1",
  approvalId: APPROVAL_ID,
  name: "send_sms",
  serverLabel: "contoso-tools",
  arguments: '{"to":"+15551234567","body":"On my way"}',
  risk: "write",
  status: "pending",
  requestedAt: "2026-03-17T10:00:00.000Z",
};

const getAccessToken = async () => "token-1";

function renderCard(block: ApprovalBlock) {
  return render(
    <ApprovalsClientProvider getAccessToken={getAccessToken}>
      <ApprovalCard block={block} />
    </ApprovalsClientProvider>,
  );
}

let fetchMock: ReturnType<typeof vi.fn>;
beforeEach(() => {
  fetchMock = vi.fn(async () =>
    Response.json({
      id: APPROVAL_ID,
      status: "approved",
      decidedBy: "Alice Anderson",
      decidedAt: "2026-03-17T10:01:00.000Z",
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("ApprovalCard", () => {
  it("write, pending: shows the call, Approve / Reject and a reason, and posts the decision", async () => {
    renderCard(pendingWrite);
    const card = screen.getByRole("region", { name: "Approval request for send_sms" });
    expect(within(card).getByText("send_sms")).toBeTruthy();
    expect(within(card).getByText("on contoso-tools")).toBeTruthy();
    expect(within(card).getByText("write")).toBeTruthy();
    // Pretty-printed arguments.
    expect(card.querySelector("pre")?.textContent).toBe(
      JSON.stringify({ to: "+15551234567", body: "On my way" }, null, 2),
    );
    expect(within(card).getByRole("status").textContent).toContain("Waiting for your decision");

    fireEvent.change(screen.getByLabelText("Reason (optional)"), {
      target: { value: "  Expected message  " },
    });
    const approve = screen.getByRole("button", { name: "Approve" });
    expect(screen.getByRole("button", { name: "Reject" })).toBeTruthy();
    await act(async () => {
      fireEvent.click(approve);
    });

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`/api/approvals/${APPROVAL_ID}/decision`);
    expect(init.method).toBe("POST");
    expect(new Headers(init.headers).get("authorization")).toBe("Bearer token-1");
    expect(JSON.parse(init.body as string)).toEqual({ approve: true, reason: "Expected message" });

    // The server's answer shows at once, before the conversation stream says the same.
    await waitFor(() =>
      expect(within(card).getByRole("status").textContent).toContain("Approved by Alice Anderson"),
    );
    expect(within(card).getByText("Reason: Expected message")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
  });

  it("rejects without a reason, and is busy while sending", async () => {
    let answer!: (r: Response) => void;
    fetchMock.mockImplementationOnce(() => new Promise<Response>((r) => (answer = r)));
    renderCard(pendingWrite);
    act(() => {
      fireEvent.click(screen.getByRole("button", { name: "Reject" }));
    });
    await waitFor(() =>
      expect((screen.getByRole("button", { name: "Approve" }) as HTMLButtonElement).disabled).toBe(
        true,
      ),
    );
    expect((screen.getByRole("button", { name: "Reject" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
    expect(screen.getByText("Sending your decision…")).toBeTruthy();
    const [, init] = fetchMock.mock.calls[0] as [string, RequestInit];
    expect(JSON.parse(init.body as string)).toEqual({ approve: false });
    await act(async () => {
      answer(
        Response.json({
          id: APPROVAL_ID,
          status: "rejected",
          decidedBy: "Alice Anderson",
          decidedAt: "2026-03-17T10:01:00.000Z",
        }),
      );
    });
    await waitFor(() =>
      expect(screen.getByRole("status").textContent).toContain("Rejected by Alice Anderson"),
    );
  });

  it("says in plain words when someone already decided (409)", async () => {
    fetchMock.mockImplementationOnce(async () =>
      Response.json(
        { title: "This request was already decided or has expired.", code: "conflict" },
        { status: 409 },
      ),
    );
    renderCard(pendingWrite);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Approve" }));
    });
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Someone already decided this request.",
    );
    // Still pending here (the stream will say what happened); the buttons work again.
    expect((screen.getByRole("button", { name: "Approve" }) as HTMLButtonElement).disabled).toBe(
      false,
    );
  });

  it("privileged, pending: no decide buttons for the requester, and says it waits for an approver", () => {
    renderCard({ ...pendingWrite, name: "make_payment", risk: "privileged" });
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Reject" })).toBeNull();
    expect(screen.queryByLabelText("Reason (optional)")).toBeNull();
    const status = screen.getByRole("status");
    expect(status.textContent).toContain("Waiting for an approver");
    expect(status.textContent).toMatch(/Approver role/);
    expect(screen.getByText("privileged")).toBeTruthy();
  });

  it("approved, rejected and expired states", () => {
    const { rerender } = renderCard({
      ...pendingWrite,
      status: "approved",
      decidedBy: "Carol",
      reason: "Looks fine",
    });
    expect(screen.getByRole("status").textContent).toContain("Approved by Carol");
    expect(screen.getByText("Reason: Looks fine")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();

    const wrap = (block: ApprovalBlock) => (
      <ApprovalsClientProvider getAccessToken={getAccessToken}>
        <ApprovalCard block={block} />
      </ApprovalsClientProvider>
    );
    rerender(wrap({ ...pendingWrite, status: "rejected", decidedBy: "Carol" }));
    expect(screen.getByRole("status").textContent).toContain("Rejected by Carol");

    rerender(wrap({ ...pendingWrite, status: "expired" }));
    expect(screen.getByRole("status").textContent).toContain("Expired — no decision was made");
    expect(screen.queryByRole("button", { name: "Reject" })).toBeNull();
  });

  it("without an approval record or a client, shows the request but no buttons", () => {
    const { approvalId: _unused, ...noRecord } = pendingWrite;
    void _unused;
    renderCard(noRecord);
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    cleanup();
    render(<ApprovalCard block={pendingWrite} />);
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.getByRole("status").textContent).toContain("Waiting for approval");
  });

  it("in a turn: the conversation's approval.decided event updates the card", () => {
    const stamp = stamper();
    const requested = stamp("run_1", [
      draft("run.started", { agent: { name: "default" }, input: "Text Bob I'm on my way" }),
      draft("approval.requested", {
        approvalRequestId: "mcpr_1",
        name: "send_sms",
        serverLabel: "contoso-tools",
        arguments: '{"to":"+15551234567"}',
        approvalId: APPROVAL_ID,
        risk: "write",
      }),
    ]);
    const tree = (events: typeof requested) => (
      <ApprovalsClientProvider getAccessToken={getAccessToken}>
        <TurnView turn={reduceAll(events).turns[0]!} />
      </ApprovalsClientProvider>
    );
    const { rerender } = render(tree(requested));
    expect(screen.getByRole("button", { name: "Approve" })).toBeTruthy();
    const decided = [
      ...requested,
      ...stamp("run_1", [
        draft("approval.decided", {
          approvalRequestId: "mcpr_1",
          approve: true,
          decidedBy: "Alice Anderson",
        }),
      ]),
    ];
    rerender(tree(decided));
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(
      within(screen.getByRole("region", { name: /Approval request/ })).getByRole("status")
        .textContent,
    ).toContain("Approved by Alice Anderson");
  });
});
