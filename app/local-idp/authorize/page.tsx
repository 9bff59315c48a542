import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LocalSignInProblem, LocalSignInView } from "@/components/auth/LocalSignInView";
import { getConfig } from "@/lib/config";
import {
  consentUser,
  createSignInForm,
  parseAuthorizationRequest,
} from "@/lib/identity/local-idp/authorize";
import { findClient } from "@/lib/identity/local-idp/clients";
import { DEMO_USERS } from "@/lib/identity/local-idp/users";
import { ConsentView } from "./ConsentView";

export const dynamic = "force-dynamic";
export const metadata: Metadata = {
  title: "Sign in · Foundry Agent Chat",
  robots: { index: false, follow: false },
};

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * `GET /local-idp/authorize`: validates the OAuth request, then shows the demo users (the app's
 * sign-in) or, for the agent service's connection client, the consent screen for the
 * `login_hint` user.
 */
export default async function AuthorizePage({
  searchParams,
}: {
  searchParams: Promise<SearchParams>;
}) {
  if (getConfig().identity.mode !== "local") notFound();
  const parsed = parseAuthorizationRequest(await searchParams);
  if (!parsed.ok) {
    return (
      <LocalSignInProblem
        error={parsed.error}
        description={parsed.description}
        homeUrl={`${getConfig().appUrl}/`}
      />
    );
  }
  const formToken = createSignInForm(parsed.request);
  const client = findClient(parsed.request.clientId);
  const user = consentUser(parsed.request);
  if (client?.kind === "connection" && user) {
    return (
      <ConsentView
        formToken={formToken}
        user={user}
        appName={client.name}
        scopes={parsed.request.scope.split(/\s+/).filter(Boolean)}
      />
    );
  }
  return (
    <LocalSignInView
      formToken={formToken}
      users={DEMO_USERS}
      appOrigin={new URL(parsed.request.redirectUri).origin}
    />
  );
}
