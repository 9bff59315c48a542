// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthProvider } from "@/components/auth/AuthProvider";
import { TurnView } from "@/components/chat/TurnView";
import { draft } from "@/lib/chat/events";
import { reduceAll } from "@/lib/chat/reducer";
import { CONNECTED_MESSAGE_TYPE } from "@/lib/connections/messages";
import { stamper } from "../chat/helpers/events";

const CONVERSATION = "7d9f1c2e-1111-4222-8333-444455556666";
vi.mock("next/navigation", () => ({
  useRouter: () => ({ replace: vi.fn(), push: vi.fn() }),
  useParams: () => ({ id: CONVERSATION }),
}));

const CONFIG = {
  mode: "local",
  clientId: "spa",
  authority: "http://localhost:3000/local-idp",
  scopes: ["openid", "api://x/access_as_user"],
  apiScope: "api://x/access_as_user",
};

const CONNECT_URL = `${window.location.origin}/connect/twilio#token=t0k`;
const authError = (connectUrl = CONNECT_URL) =>
  JSON.stringify({
    code: "auth_required",
    message: "Connect your Twilio account to use this tool, then try again.",
    provider: "twilio",
    connect_url: connectUrl,
    retriable: true,
  });

function failedTurn(connectUrl?: string, hidden = false) {
  const stamp = stamper({ conversationId: CONVERSATION });
  return reduceAll(
    stamp("run_1", [
      draft("run.started", {
        agent: { name: "assistant" },
        input: hidden ? "Retry the last tool call." : "Send an SMS to +14155550100 saying hello",
        ...(hidden ? { hidden: true } : {}),
      }),
      draft("tool.call.failed", {
        callId: "mcp_1",
        kind: "mcp",
        name: "twilio_send_sms",
        serverLabel: "foundry_agent_chat",
        arguments: '{"to":"+14155550100","body":"hello"}',
        error: authError(connectUrl),
      }),
      draft("text.done", { itemId: "m1", text: "Connect your Twilio account, then ask again." }),
      draft("run.completed", {}),
    ]),
  ).turns[0]!;
}

let fetchMock: ReturnType<typeof vi.fn>;
let openMock: ReturnType<typeof vi.fn>;
const retryCalls = () => fetchMock.mock.calls.filter((c) => String(c[0]).endsWith("/retry-tool"));

beforeEach(() => {
  localStorage.setItem(
    "fac.auth.local.session",
    JSON.stringify({
      accessToken: "token-1",
      expiresAt: Date.now() + 3600_000,
      refreshToken: "r",
      account: { username: "alice@contoso.local", name: "Alice Anderson", roles: [] },
    }),
  );
  fetchMock = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    if (url.endsWith("/retry-tool")) return Response.json({ runId: "run_2" }, { status: 202 });
    return Response.json(CONFIG);
  });
  vi.stubGlobal("fetch", fetchMock);
  openMock = vi.fn(() => null);
  vi.stubGlobal("open", openMock);
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  sessionStorage.clear();
  localStorage.clear();
});

async function renderTurn(turn = failedTurn()) {
  await act(async () => {
    render(
      <AuthProvider>
        <TurnView turn={turn} />
      </AuthProvider>,
    );
  });
}

const post = (data: unknown, origin: string) =>
  act(async () => {
    window.dispatchEvent(new MessageEvent("message", { data, origin }));
  });

describe("Connect card below a turn whose tool call needs a connection", () => {
  it("opens the connect page in a popup, ignores foreign messages, retries once on its own origin's", async () => {
    await renderTurn();
    const connect = await screen.findByRole("button", { name: "Connect Twilio" });
    expect(screen.getByRole("button", { name: "Retry" })).toBeTruthy();
    fireEvent.click(connect);
    expect(openMock).toHaveBeenCalledTimes(1);
    expect(openMock.mock.calls[0]![0]).toBe(CONNECT_URL);
    // Not noopener: the consent page reports back to its opener.
    expect(String(openMock.mock.calls[0]![2])).not.toContain("noopener");

    const message = { type: CONNECTED_MESSAGE_TYPE, provider: "twilio" };
    await post(message, "https://evil.example");
    await post({ type: "provider-connected", provider: "twilio" }, window.location.origin);
    await post({ ...message, provider: "gmail" }, window.location.origin);
    expect(retryCalls()).toHaveLength(0);

    await post(message, window.location.origin);
    await post(message, window.location.origin);
    await waitFor(() =>
      expect(screen.getByText("Retried. The result follows below.")).toBeTruthy(),
    );
    expect(retryCalls()).toHaveLength(1);
    const [url, init] = retryCalls()[0]!;
    expect(url).toBe(`/api/conversations/${CONVERSATION}/retry-tool`);
    expect((init as RequestInit).method).toBe("POST");
    expect(new Headers((init as RequestInit).headers).get("authorization")).toBe("Bearer token-1");
    expect(screen.queryByRole("button", { name: "Retry" })).toBeNull();
  });

  it("does not listen before the popup was opened; the Retry button retries by hand", async () => {
    await renderTurn();
    await screen.findByRole("button", { name: "Connect Twilio" });
    await post({ type: CONNECTED_MESSAGE_TYPE, provider: "twilio" }, window.location.origin);
    expect(retryCalls()).toHaveLength(0);
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    await waitFor(() => expect(retryCalls()).toHaveLength(1));
  });

  it("shows why a retry was refused and lets the user try again", async () => {
    fetchMock.mockImplementation(async (input: RequestInfo | URL) =>
      String(input).endsWith("/retry-tool")
        ? Response.json(
            { title: "The agent is still answering. Wait for it to finish or stop it first." },
            { status: 409 },
          )
        : Response.json(CONFIG),
    );
    await renderTurn();
    fireEvent.click(await screen.findByRole("button", { name: "Retry" }));
    expect((await screen.findByRole("alert")).textContent).toContain("still answering");
    expect(screen.getByRole("button", { name: "Retry" })).toBeTruthy();
  });

  it("offers no popup for a link that is not this app's connect page", async () => {
    await renderTurn(failedTurn("https://evil.example/connect/twilio#token=x"));
    await screen.findByRole("button", { name: "Retry" });
    expect(screen.queryByRole("button", { name: "Connect Twilio" })).toBeNull();
  });

  it("a hidden retry run shows no user message", async () => {
    await renderTurn(failedTurn(undefined, true));
    expect(screen.queryByTestId("user-message")).toBeNull();
    expect(screen.queryByText(/Retry the last tool call/)).toBeNull();
  });
});
