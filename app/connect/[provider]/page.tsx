import type { Metadata } from "next";
import { consentView } from "@/mcp-server/connections/handlers";
import { ConnectConfirm } from "./ConnectConfirm";

export const dynamic = "force-dynamic";

// The URL carries a short-lived connect token: never send it on as a Referer, never index it.
export const metadata: Metadata = {
  title: "Connect an account · Foundry Agent Chat",
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

type Props = {
  params: Promise<{ provider: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/**
 * Local consent page (sandbox mode): the signed-in user confirms that tools may act on their
 * provider account. Rendering changes nothing; only the Connect button's POST records consent.
 */
export default async function ConnectPage({ params, searchParams }: Props) {
  const { provider } = await params;
  const token = (await searchParams).token;
  const view = await consentView(provider, typeof token === "string" ? token : undefined);

  return (
    <main className="flex min-h-dvh items-center justify-center p-6">
      <section className="w-full max-w-md rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
        {view.ok ? (
          <>
            <p className="text-xs font-semibold tracking-wide text-primary uppercase">
              Connect an account
            </p>
            <h1 className="mt-1 text-xl font-semibold">Connect {view.displayName}</h1>
            <p className="mt-3 text-sm text-muted-foreground">
              Signed in as <strong className="text-foreground">{view.username}</strong>. The
              assistant&apos;s tools will be able to:
            </p>
            <ul className="mt-2 list-disc space-y-1 pl-5 text-sm">
              {view.grants.map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
            {view.connectedAs && (
              <p className="mt-3 rounded-md bg-muted px-3 py-2 text-sm text-muted-foreground">
                Already connected as {view.connectedAs}. Connecting again refreshes the connection.
              </p>
            )}
            <p className="mt-3 text-xs text-muted-foreground">
              Sandbox mode: nothing leaves this app. Messages land in a local outbox. You can
              disconnect at any time.
            </p>
            <ConnectConfirm
              provider={view.provider}
              displayName={view.displayName}
              token={typeof token === "string" ? token : ""}
            />
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">
              {view.reason === "unknown_provider" ? "Unknown provider" : "This link has expired"}
            </h1>
            <p className="mt-3 text-sm text-muted-foreground">
              {view.reason === "unknown_provider"
                ? "There is no provider with this name to connect."
                : "Connect links are valid for a few minutes and only for the person they were made for. Ask the assistant to try the tool again to get a fresh link."}
            </p>
          </>
        )}
      </section>
    </main>
  );
}
