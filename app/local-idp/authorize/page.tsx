import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LocalSignInProblem, LocalSignInView } from "@/components/auth/LocalSignInView";
import { getConfig } from "@/lib/config";
import { createSignInForm, parseAuthorizationRequest } from "@/lib/identity/local-idp/authorize";
import { DEMO_USERS } from "@/lib/identity/local-idp/users";

export const dynamic = "force-dynamic";
export const metadata: Metadata = {
  title: "Sign in · Foundry Agent Chat",
  robots: { index: false, follow: false },
};

type SearchParams = Record<string, string | string[] | undefined>;

/** `GET /local-idp/authorize`: validates the OAuth request, then shows the demo users. */
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
  return (
    <LocalSignInView
      formToken={formToken}
      users={DEMO_USERS}
      appOrigin={new URL(parsed.request.redirectUri).origin}
    />
  );
}
