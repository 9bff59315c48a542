"use client";

import { useLoaded } from "@/components/ui/useLoaded";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import {
  ApiError,
  createApiClient,
  type ProviderConnectionInfo,
  type ToolConsentInfo,
} from "@/lib/chat/api-client";
import {
  CONNECT_CHANNEL,
  isConnectedMessage,
  isOwnConnectedMessage,
} from "@/lib/connections/messages";
import { LoadState } from "@/components/ui/LoadState";

type Pending =
  | { kind: "disconnect"; provider: ProviderConnectionInfo }
  | { kind: "revoke"; consent: ToolConsentInfo };

const message = (err: unknown) =>
  err instanceof ApiError ? err.message : "Something went wrong. Please try again.";

function formatDate(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ""
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * `/connections`: the provider accounts the assistant's tools may act on for this user (what,
 * connected as, since when, which scopes; Disconnect), and their consents to the agent service's
 * tool connections (Revoke). Only the caller's own, as `GET /api/connections` returns them.
 */
export function ConnectionsList({ getAccessToken }: { getAccessToken: () => Promise<string> }) {
  const api = useMemo(() => createApiClient(getAccessToken), [getAccessToken]);
  const [notice, setNotice] = useState<string>();
  const [pending, setPending] = useState<Pending>();

  const load = useCallback(() => api.listConnections(), [api]);
  const { data: list, error, reload } = useLoaded(load, message);

  // A connect popup opened from here reports back: show the new connection.
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (isOwnConnectedMessage(e, window.location.origin)) void reload();
    };
    window.addEventListener("message", onMessage);
    const channel =
      typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(CONNECT_CHANNEL) : undefined;
    if (channel)
      channel.onmessage = (e: MessageEvent) => isConnectedMessage(e.data) && void reload();
    return () => {
      window.removeEventListener("message", onMessage);
      channel?.close();
    };
  }, [reload]);

  const confirm = async () => {
    const p = pending;
    setPending(undefined);
    if (!p) return;
    try {
      if (p.kind === "disconnect") {
        await api.disconnectProvider(p.provider.provider);
        setNotice(`${p.provider.displayName} disconnected.`);
      } else {
        await api.revokeConsent(p.consent.name);
        setNotice(`Consent to ${p.consent.displayName ?? p.consent.name} revoked.`);
      }
    } catch (err) {
      setNotice(message(err));
    }
    await reload();
  };

  return (
    <div className="mx-auto w-full max-w-3xl px-4 py-6">
      <h1 className="text-xl font-semibold">Connections</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        The accounts and services the assistant&rsquo;s tools may use on your behalf.
      </p>
      <p role="status" aria-live="polite" className="mt-2 text-sm">
        {notice}
      </p>
      <LoadState
        error={error}
        loaded={Boolean(list)}
        label="Loading connections"
        spinnerClassName="mt-8"
      />
      {list ? (
        <>
          <section aria-labelledby="providers-heading" className="mt-6">
            <h2 id="providers-heading" className="text-base font-semibold">
              Provider accounts
            </h2>
            <ul className="mt-2 divide-y rounded-lg border">
              {list.providers.map((p) => (
                <ProviderRow
                  key={p.provider}
                  item={p}
                  onDisconnect={() => setPending({ kind: "disconnect", provider: p })}
                />
              ))}
            </ul>
          </section>
          <section aria-labelledby="consents-heading" className="mt-8">
            <h2 id="consents-heading" className="text-base font-semibold">
              Tool consents
            </h2>
            {!list.consentsSupported ? (
              <p className="mt-2 text-sm text-muted-foreground">
                This app uses Azure AI Foundry, which keeps your tool consents itself; they cannot
                be listed or revoked here. Manage them in Foundry or in your Microsoft account.
              </p>
            ) : list.consents.length === 0 ? (
              <p className="mt-2 text-sm text-muted-foreground">
                You have not given the agent service consent to any tool connection.
              </p>
            ) : (
              <ul className="mt-2 divide-y rounded-lg border">
                {list.consents.map((c) => (
                  <ConsentRow
                    key={c.name}
                    item={c}
                    onRevoke={() => setPending({ kind: "revoke", consent: c })}
                  />
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
      <ConfirmDialog
        open={!!pending}
        title={
          pending?.kind === "disconnect"
            ? `Disconnect ${pending.provider.displayName}?`
            : `Revoke consent to ${pending?.consent.displayName ?? pending?.consent.name ?? ""}?`
        }
        body={
          pending?.kind === "disconnect"
            ? `The assistant's tools will no longer be able to use your ${pending.provider.displayName} account until you connect it again.`
            : "The agent will ask for your consent again the next time it needs this connection."
        }
        confirmLabel={pending?.kind === "disconnect" ? "Disconnect" : "Revoke"}
        destructive
        onConfirm={() => void confirm()}
        onCancel={() => setPending(undefined)}
      />
    </div>
  );
}

function ProviderRow({
  item,
  onDisconnect,
}: {
  item: ProviderConnectionInfo;
  onDisconnect: () => void;
}) {
  return (
    <li className="flex flex-wrap items-start gap-3 p-3 text-sm" aria-label={item.displayName}>
      <div className="min-w-0 flex-1">
        <p className="font-medium">{item.displayName}</p>
        {item.connected ? (
          <>
            <p className="text-muted-foreground">
              Connected as <span className="text-foreground">{item.accountLabel}</span>
              {item.connectedAt ? <> since {formatDate(item.connectedAt)}</> : null}
            </p>
            {item.scopes && item.scopes.length > 0 ? (
              <p className="mt-1 text-xs text-muted-foreground">
                Scopes: <span className="font-mono break-all">{item.scopes.join(", ")}</span>
              </p>
            ) : null}
          </>
        ) : (
          <p className="text-muted-foreground">Not connected</p>
        )}
      </div>
      {item.connected ? (
        <button
          type="button"
          onClick={onDisconnect}
          aria-label={`Disconnect ${item.displayName}`}
          className="rounded-md border px-3 py-1.5 hover:bg-muted"
        >
          Disconnect
        </button>
      ) : item.connectUrl ? (
        <button
          type="button"
          onClick={() =>
            window.open(item.connectUrl, "foundry-connect", "popup,width=520,height=680")
          }
          aria-label={`Connect ${item.displayName}`}
          className="rounded-md bg-primary px-3 py-1.5 text-primary-foreground hover:opacity-90"
        >
          Connect
        </button>
      ) : null}
    </li>
  );
}

function ConsentRow({ item, onRevoke }: { item: ToolConsentInfo; onRevoke: () => void }) {
  const label = item.displayName ?? item.name;
  return (
    <li className="flex flex-wrap items-start gap-3 p-3 text-sm" aria-label={label}>
      <div className="min-w-0 flex-1">
        <p className="font-medium">{label}</p>
        <p className="text-muted-foreground">
          {item.granted ? "Consent given" : "No consent"}
          {item.grantedAt ? <> on {formatDate(item.grantedAt)}</> : null}
          {item.displayName && item.displayName !== item.name ? (
            <> · connection {item.name}</>
          ) : null}
        </p>
        {item.scopes.length > 0 ? (
          <p className="mt-1 text-xs text-muted-foreground">
            Scopes: <span className="font-mono break-all">{item.scopes.join(", ")}</span>
          </p>
        ) : null}
      </div>
      {item.granted ? (
        <button
          type="button"
          onClick={onRevoke}
          aria-label={`Revoke consent to ${label}`}
          className="rounded-md border px-3 py-1.5 hover:bg-muted"
        >
          Revoke
        </button>
      ) : null}
    </li>
  );
}
