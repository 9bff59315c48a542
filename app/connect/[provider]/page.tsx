import type { Metadata } from "next";
import { connectPageInfo } from "@/mcp-server/connections/handlers";
import { ConnectConfirm } from "./ConnectConfirm";

export const dynamic = "force-dynamic";

// The link carries a short-lived connect token in its fragment (never sent to a server); still,
// never pass the page's URL on as a Referer, and never index it.
export const metadata: Metadata = {
  title: "Connect an account · Foundry Agent Chat",
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

type Props = { params: Promise<{ provider: string }> };

/**
 * Consent page: the signed-in user confirms that tools may act on their provider account. In
 * sandbox mode Connect records the connection here; for a live OAuth provider (Gmail) it sends
 * the popup on to the provider's consent screen (`authority`). The server renders it without the token (it is in `#token=…`, which browsers
 * keep to themselves); ConnectConfirm reads it, asks whom it connects, and posts it on Connect.
 * Rendering changes nothing; only the Connect button's POST records consent.
 */
export default async function ConnectPage({ params }: Props) {
  const { provider } = await params;
  const info = connectPageInfo(provider);

  return (
    <main className="flex min-h-dvh items-center justify-center p-6">
      <section className="w-full max-w-md rounded-xl border bg-card p-6 text-card-foreground shadow-sm">
        {info.ok ? (
          <>
            <p className="text-xs font-semibold tracking-wide text-primary uppercase">
              Connect an account
            </p>
            <h1 className="mt-1 text-xl font-semibold">Connect {info.displayName}</h1>
            <p className="mt-3 text-sm text-muted-foreground">
              The assistant&apos;s tools will be able to:
            </p>
            <ul className="mt-2 list-disc space-y-1 pl-5 text-sm">
              {info.grants.map((g) => (
                <li key={g}>{g}</li>
              ))}
            </ul>
            <ConnectConfirm
              provider={info.provider}
              displayName={info.displayName}
              {...(info.authority ? { authority: info.authority } : {})}
            />
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold">Unknown provider</h1>
            <p className="mt-3 text-sm text-muted-foreground">
              There is no provider with this name to connect.
            </p>
          </>
        )}
      </section>
    </main>
  );
}
