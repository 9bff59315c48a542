import type { Metadata } from "next";
import { ConnectShell } from "@/components/connections/ConnectShell";
import { ComposioConnect } from "./ComposioConnect";

export const dynamic = "force-dynamic";

// The link carries a short-lived connect token in its fragment (never sent to a server); still,
// never pass the page's URL on as a Referer, and never index it.
export const metadata: Metadata = {
  title: "Connect an account · Foundry Agent Chat",
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

/**
 * Composio connect page (docs/TOOLS.md, "Composio"): reads its token from the fragment, asks the
 * server for Composio's Connect Link for that user and toolkit, and continues there. Composio
 * brings the user back to /connect/composio/done.
 */
export default function ComposioConnectPage() {
  return (
    <ConnectShell heading="Connect through Composio">
      <ComposioConnect />
    </ConnectShell>
  );
}
