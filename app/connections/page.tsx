import { ConnectionsPage } from "@/components/connections/ConnectionsPage";

/** What the assistant's tools may act on for the user, with Disconnect and Revoke. */
export default function Page() {
  return <ConnectionsPage />;
}
