import type { Metadata } from "next";
import { ConnectShell } from "@/components/connections/ConnectShell";
import { ComposioDone } from "./ComposioDone";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Connect an account · Foundry Agent Chat",
  referrer: "no-referrer",
  robots: { index: false, follow: false },
};

/**
 * Where Composio sends the popup back after its Connect Link (`?status=success|failed&…`). On
 * success it tells the chat, which retries the tool call (lib/connections/messages.ts).
 */
export default function ComposioDonePage() {
  return (
    <ConnectShell heading="Composio">
      <ComposioDone />
    </ConnectShell>
  );
}
