"use client";

import { useParams } from "next/navigation";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import { useAuth } from "@/components/auth/AuthProvider";
import { ApiError, createApiClient } from "@/lib/chat/api-client";
import type { ConsentBlock } from "@/lib/chat/reducer";

/** What the card needs from the chat API (lib/chat/api-client.ts provides it). */
export interface ConsentClient {
  continueAfterConsent(conversationId: string, consentId: string): Promise<unknown>;
}

/** The message the consent callback page posts to its opener before it closes. */
export const CONSENT_MESSAGE_TYPE = "foundry-agent-chat:consent";

const POPUP_NAME = "foundry-consent";
const POPUP_FEATURES = "popup,width=520,height=640";
const POLL_MS = 500;

const Context = createContext<{ client: ConsentClient; conversationId: string } | null>(null);

/**
 * Gives consent cards the chat API client and the open conversation (the ApprovalsClientProvider
 * pattern). Without it, a card in the app builds its client from the signed-in user and reads the
 * conversation from the URL.
 */
export function ConsentClientProvider({
  getAccessToken,
  conversationId,
  children,
}: {
  getAccessToken: () => Promise<string>;
  conversationId: string;
  children: ReactNode;
}) {
  const client = useMemo(() => createApiClient(getAccessToken), [getAccessToken]);
  const value = useMemo(() => ({ client, conversationId }), [client, conversationId]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

/**
 * A tool needs the user to sign in (OAuth consent). "Open sign-in" opens the link in a popup; when
 * the popup reports back (an origin-checked `postMessage`) or is closed, the run continues —
 * once. "Continue" does the same by hand (e.g. after signing in in another tab). If the user
 * closed the window without allowing, the continuation asks again: a new card appears.
 */
export function ConsentCard({ block }: { block: ConsentBlock }) {
  const provided = useContext(Context);
  return provided ? (
    <ConsentCardView
      block={block}
      client={provided.client}
      conversationId={provided.conversationId}
    />
  ) : (
    <ConsentCardInApp block={block} />
  );
}

function ConsentCardInApp({ block }: { block: ConsentBlock }) {
  const { getAccessToken } = useAuth();
  const params = useParams<{ id?: string }>();
  const client = useMemo(() => createApiClient(getAccessToken), [getAccessToken]);
  return <ConsentCardView block={block} client={client} conversationId={params?.id} />;
}

type Phase =
  | { kind: "idle" }
  | { kind: "waiting" } // the popup is open
  | { kind: "blocked" } // the browser refused the popup
  | { kind: "busy" }
  | { kind: "sent" }
  | { kind: "gone" } // 409: nothing waits for this consent any more
  | { kind: "error"; message: string };

function originOf(link: string): string | undefined {
  try {
    return new URL(link).origin;
  } catch {
    return undefined;
  }
}

function ConsentCardView({
  block,
  client,
  conversationId,
}: {
  block: ConsentBlock;
  client: ConsentClient;
  conversationId: string | undefined;
}) {
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const popup = useRef<Window | null>(null);
  // Set while a continue call is in flight or done: the popup's message, its closing and the
  // button may all fire, but the route is called once.
  const continued = useRef(false);
  const pending = block.status === "pending";
  const canContinue = pending && !!conversationId;

  const continueRun = useCallback(async () => {
    if (continued.current || !conversationId) return;
    continued.current = true;
    setPhase({ kind: "busy" });
    try {
      await client.continueAfterConsent(conversationId, block.consentId);
      setPhase({ kind: "sent" });
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setPhase({ kind: "gone" });
        return;
      }
      continued.current = false; // worth another try
      const message =
        err instanceof ApiError ? err.message : "Something went wrong. Please try again.";
      setPhase({ kind: "error", message });
    }
  }, [client, conversationId, block.consentId]);

  // While the popup is open: its report (from the link's origin or ours) or its closing continues.
  const waiting = phase.kind === "waiting";
  useEffect(() => {
    if (!waiting) return;
    const allowed = new Set([originOf(block.link), window.location.origin].filter(Boolean));
    const onMessage = (event: MessageEvent) => {
      if (!allowed.has(event.origin)) return;
      const data = event.data as { type?: unknown } | null;
      if (data?.type !== CONSENT_MESSAGE_TYPE) return;
      void continueRun();
    };
    window.addEventListener("message", onMessage);
    const timer = window.setInterval(() => {
      if (popup.current?.closed) {
        window.clearInterval(timer);
        void continueRun();
      }
    }, POLL_MS);
    return () => {
      window.removeEventListener("message", onMessage);
      window.clearInterval(timer);
    };
  }, [waiting, block.link, continueRun]);

  const openSignIn = () => {
    // No `noopener`: the callback page reports back through `window.opener`, and a closed popup
    // can only be noticed through its handle.
    const opened = window.open(block.link, POPUP_NAME, POPUP_FEATURES);
    if (!opened) {
      setPhase({ kind: "blocked" });
      return;
    }
    popup.current = opened;
    setPhase({ kind: "waiting" });
  };

  const title = block.serverLabel ? `Sign-in needed for ${block.serverLabel}` : "Sign-in needed";
  const busy = phase.kind === "busy";
  const state = !pending
    ? block.status === "completed"
      ? "Continued after sign-in."
      : "No longer needed."
    : {
        idle: "Sign in to let the agent use this tool as you, then continue.",
        waiting: "Waiting for you to finish signing in…",
        blocked: "",
        busy: "Continuing…",
        sent: "Continuing…",
        gone: "This sign-in request is no longer waiting.",
        error: "",
      }[phase.kind];

  return (
    <section
      aria-label={title}
      data-testid="consent-card"
      data-status={block.status}
      className="my-2 rounded-lg border bg-card p-3 text-sm"
    >
      <p className="font-medium">{title}</p>
      <div role="status" className="mt-1">
        {state ? <p className="text-muted-foreground">{state}</p> : null}
        {pending && phase.kind === "blocked" ? (
          <p>
            Your browser blocked the sign-in window — allow pop-ups or{" "}
            <a
              href={block.link}
              target="_blank"
              rel="noopener noreferrer"
              className="underline underline-offset-2"
            >
              open it here
            </a>
            . Then choose Continue.
          </p>
        ) : null}
      </div>
      {pending && phase.kind === "error" ? (
        <p role="alert" className="mt-2 rounded-md bg-destructive/10 px-2 py-1.5 text-destructive">
          Could not continue: {phase.message}
        </p>
      ) : null}
      {pending && phase.kind !== "gone" && phase.kind !== "sent" ? (
        <div className="mt-2 flex flex-wrap gap-2">
          <button
            type="button"
            onClick={openSignIn}
            disabled={busy}
            className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground disabled:opacity-50"
          >
            Open sign-in
          </button>
          {canContinue ? (
            <button
              type="button"
              onClick={() => void continueRun()}
              disabled={busy}
              className="rounded-md border px-3 py-1.5 hover:bg-muted disabled:opacity-50"
            >
              Continue
            </button>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
