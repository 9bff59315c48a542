"use client";

import { Menu } from "lucide-react";
import { useParams, useRouter } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApprovalsClientProvider } from "@/components/approvals/ApprovalsClientContext";
import { useAuth } from "@/components/auth/AuthProvider";
import { UserMenu } from "@/components/auth/UserMenu";
import { Spinner } from "@/components/ui/Spinner";
import { ThemeToggle } from "@/components/ui/ThemeToggle";
import {
  ApiError,
  createApiClient,
  type AgentInfo,
  type ConversationSummary,
} from "@/lib/chat/api-client";
import { endsRun } from "@/lib/chat/client/view-state";
import type { ChatEvent } from "@/lib/chat/events";
import { Composer } from "./Composer";
import { EmptyState } from "./EmptyState";
import { Sidebar } from "./Sidebar";
import { loadMarkdown, TurnView } from "./TurnView";
import { useConversationStream } from "./useConversationStream";
import { useStickToBottom } from "./useStickToBottom";

const message = (err: unknown) =>
  err instanceof ApiError ? err.message : "Something went wrong. Please try again.";

/** How long a message sent right after Stop waits for the server to finish stopping (ms). */
const STOP_GRACE_MS = 10_000;

interface SendError {
  text: string;
  /** 409: the agent was still answering. Stale once the run ends. */
  busy: boolean;
}

const sendErrorOf = (err: unknown): SendError => ({
  text: message(err),
  busy: err instanceof ApiError && err.status === 409,
});

/** The chat screen: conversation list, transcript of the open conversation, and the composer. */
export function ChatApp() {
  const { getAccessToken } = useAuth();
  const router = useRouter();
  const params = useParams<{ id?: string }>();
  // The screen (and the composer) switch as soon as the user asks for another conversation; the
  // router's URL follows. Until it arrives, `pending` says which conversation is on screen.
  const [pending, setPending] = useState<{ to?: string }>();
  if (pending && params.id === pending.to) setPending(undefined);
  const conversationId = pending ? pending.to : params.id;
  const api = useMemo(() => createApiClient(getAccessToken), [getAccessToken]);

  const [conversations, setConversations] = useState<ConversationSummary[]>();
  const [listError, setListError] = useState<string>();
  const [agents, setAgents] = useState<AgentInfo[]>();
  const [agentError, setAgentError] = useState<string>();
  const [agent, setAgent] = useState<string>();
  const [sendError, setSendError] = useState<SendError>();
  const [drawerOpen, setDrawerOpen] = useState(false);

  const refreshList = useCallback(async () => {
    try {
      setConversations(await api.listConversations());
      setListError(undefined);
    } catch (err) {
      setListError(message(err));
    }
  }, [api]);

  // Back and forward go where the browser says.
  useEffect(() => {
    const settle = () => setPending(undefined);
    window.addEventListener("popstate", settle);
    return () => window.removeEventListener("popstate", settle);
  }, []);

  useEffect(() => {
    let live = true;
    api.listConversations().then(
      (items) => live && setConversations(items),
      (err: unknown) => live && setListError(message(err)),
    );
    api.listAgents().then(
      (items) => live && setAgents(items),
      (err: unknown) => live && setAgentError(message(err)),
    );
    return () => {
      live = false;
    };
  }, [api]);

  const navigate = (id: string | undefined) => {
    if (id === conversationId) return;
    setPending({ to: id });
    router.push(id ? `/c/${id}` : "/");
  };

  // Runs stopped here until the server has ended them and answered the Stop. A message sent
  // meanwhile waits for that, so it is neither refused (409) nor stopped by the late Stop.
  const stopping = useRef(
    new Map<string, { conversationId: string; ended: () => void; settled: Promise<unknown> }>(),
  );

  // Titles and ordering change when a run starts or ends; refresh the list then.
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const onEvent = useCallback(
    (e: ChatEvent) => {
      if (endsRun(e)) {
        stopping.current.get(e.runId)?.ended();
        // "Still answering" is no longer true.
        setSendError((err) => (err?.busy ? undefined : err));
      }
      if (e.type !== "run.started" && !endsRun(e)) return;
      clearTimeout(refreshTimer.current);
      refreshTimer.current = setTimeout(() => void refreshList(), 250);
    },
    [refreshList],
  );

  const {
    view,
    status,
    loaded,
    stop: stopLocally,
  } = useConversationStream(conversationId, getAccessToken, onEvent);
  const lastTurn = view.turns.at(-1);
  const running =
    !!lastTurn && ["running", "awaiting_approval", "awaiting_consent"].includes(lastTurn.status);
  const { scrollRef, contentRef } = useStickToBottom(conversationId, view);
  // A conversation's answers need the Markdown renderer: load it alongside its events, not after.
  useEffect(() => {
    if (conversationId) void loadMarkdown();
  }, [conversationId]);
  const current = conversations?.find((c) => c.id === conversationId);

  /** After Stop the server needs a moment to end the run; a message sent meanwhile waits. */
  const sendAfterStop = async (id: string, text: string) => {
    const settling = [...stopping.current.values()]
      .filter((s) => s.conversationId === id)
      .map((s) => s.settled);
    if (settling.length > 0)
      await Promise.race([Promise.all(settling), new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
    await api.sendMessage(id, text);
  };

  const send = async (text: string): Promise<boolean> => {
    setSendError(undefined);
    // Sent to the conversation on screen, also while the router is still on its way to it.
    const id = conversationId;
    try {
      if (id) {
        await sendAfterStop(id, text);
      } else {
        // One request creates the conversation with its first message, so closing the tab
        // meanwhile never leaves an empty conversation behind.
        const created = await api.createConversation({
          ...(agent ? { agent } : {}),
          message: text,
        });
        setConversations((list) => [created, ...(list ?? [])]);
        navigate(created.id);
      }
      return true;
    } catch (err) {
      setSendError(sendErrorOf(err));
      return false;
    }
  };

  const stop = () => {
    if (!conversationId || !lastTurn || !running || stopping.current.has(lastTurn.runId)) return;
    const runId = lastTurn.runId;
    // The answer stops on screen now; the server's confirmation follows.
    stopLocally(runId);
    let ended!: () => void;
    const end = new Promise<void>((r) => (ended = r));
    const cancelled = api.cancel(conversationId, runId).catch((err: unknown) => {
      // 409: it finished on its own meanwhile — nothing to tell the user.
      if (!(err instanceof ApiError && err.status === 409)) setSendError(sendErrorOf(err));
    });
    const settled = Promise.all([end, cancelled]).finally(() => stopping.current.delete(runId));
    stopping.current.set(runId, { conversationId, ended, settled });
  };

  const rename = async (id: string, title: string) => {
    try {
      const updated = await api.renameConversation(id, title);
      setConversations((list) =>
        list?.map((c) => (c.id === id ? { ...c, title: updated.title } : c)),
      );
    } catch (err) {
      setListError(message(err));
    }
  };

  const remove = async (id: string) => {
    try {
      await api.deleteConversation(id);
      setConversations((list) => list?.filter((c) => c.id !== id));
      if (id === conversationId) navigate(undefined);
    } catch (err) {
      setListError(message(err));
    }
  };

  const sidebar = (
    <Sidebar
      conversations={conversations}
      activeId={conversationId}
      error={listError}
      onNew={() => {
        setDrawerOpen(false);
        navigate(undefined);
      }}
      onRename={rename}
      onDelete={remove}
      onNavigate={() => {
        setDrawerOpen(false);
        // A link takes over from a "New conversation" still on its way.
        setPending(undefined);
      }}
    />
  );

  return (
    <div className="flex h-dvh">
      <aside className="hidden w-72 shrink-0 border-r border-sidebar-border bg-sidebar md:block">
        {sidebar}
      </aside>
      {drawerOpen ? (
        <div
          className="fixed inset-0 z-40 md:hidden"
          role="dialog"
          aria-modal="true"
          aria-label="Conversations"
        >
          <button
            type="button"
            aria-label="Close conversations"
            className="absolute inset-0 bg-black/40"
            onClick={() => setDrawerOpen(false)}
          />
          <aside className="absolute inset-y-0 left-0 w-[min(20rem,85vw)] border-r bg-sidebar shadow-xl">
            {sidebar}
          </aside>
        </div>
      ) : null}

      <main className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center gap-2 border-b px-3 py-2">
          <button
            type="button"
            onClick={() => setDrawerOpen(true)}
            className="inline-flex size-9 items-center justify-center rounded-md hover:bg-muted md:hidden"
            aria-label="Open conversations"
          >
            <Menu aria-hidden className="size-5" />
          </button>
          <h1 className="min-w-0 flex-1 truncate text-sm font-semibold">
            {conversationId ? (current?.title ?? "Conversation") : "New conversation"}
            {current ? (
              <span className="ml-2 font-normal text-muted-foreground">· {current.agent.name}</span>
            ) : null}
          </h1>
          <ThemeToggle />
          <UserMenu />
        </header>

        {status.state === "reconnecting" ? (
          <p
            role="status"
            className="bg-warning px-4 py-1.5 text-center text-xs text-warning-foreground"
          >
            Connection lost. Reconnecting…
          </p>
        ) : null}

        <div ref={scrollRef} className="min-h-0 flex-1 overflow-y-auto">
          {!conversationId ? (
            <EmptyState
              agents={agents}
              agentError={agentError}
              agent={agent}
              onAgentChange={setAgent}
              onSuggestion={(text) => void send(text)}
            />
          ) : status.state === "error" ? (
            <div
              role="alert"
              className="flex h-full flex-col items-center justify-center gap-3 p-6 text-center"
            >
              <p className="text-sm">{status.detail ?? "This conversation could not be loaded."}</p>
              <button
                type="button"
                onClick={() => navigate(undefined)}
                className="rounded-md border px-3 py-1.5 text-sm hover:bg-muted"
              >
                Start a new conversation
              </button>
            </div>
          ) : !loaded ? (
            <div className="flex h-full items-center justify-center">
              <Spinner label="Loading conversation" />
            </div>
          ) : view.turns.length === 0 ? (
            <p className="p-8 text-center text-sm text-muted-foreground">
              No messages yet. Say hello below.
            </p>
          ) : (
            <div
              ref={contentRef}
              role="log"
              aria-label="Conversation"
              aria-busy={running}
              className="mx-auto w-full max-w-3xl space-y-8 px-4 py-6"
            >
              <ApprovalsClientProvider getAccessToken={getAccessToken}>
                {view.turns.map((turn) => (
                  <TurnView key={turn.runId} turn={turn} />
                ))}
              </ApprovalsClientProvider>
            </div>
          )}
        </div>

        <footer className="border-t px-3 pt-3 pb-2">
          {sendError ? (
            <p
              role="alert"
              className="mx-auto mb-2 max-w-3xl rounded-md bg-destructive/10 px-3 py-2 text-sm text-destructive"
            >
              {sendError.text}
            </p>
          ) : null}
          <Composer
            running={running}
            waitingFor={
              lastTurn?.status === "awaiting_approval"
                ? "approval"
                : lastTurn?.status === "awaiting_consent"
                  ? "consent"
                  : undefined
            }
            disabled={!!conversationId && status.state === "error"}
            onSend={send}
            onStop={stop}
          />
        </footer>
      </main>
    </div>
  );
}
