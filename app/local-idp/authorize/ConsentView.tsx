import type { DemoUser } from "@/lib/identity/local-idp/users";

/** Path the consent form posts to; relative, so it stays on whatever origin the browser used. */
export const CONSENT_ACTION = "/local-idp/authorize/consent";

/** A scope in plain words (the consent screen never shows raw scope strings alone). */
export function describeScope(scope: string): string {
  if (scope === "offline_access")
    return "Keep this access when you are not using the app (refresh your sign-in in the background).";
  if (scope.endsWith("/access_as_user"))
    return "Use the Foundry Agent Chat tools server as you: list its tools and call them in your name.";
  if (scope === "openid" || scope === "profile" || scope === "email")
    return "See your name and account name.";
  return scope;
}

/**
 * The local IdP's consent screen for a connection client: who (the `login_hint` user, nobody else
 * can be picked), which application, which permissions; Allow or Deny. Plain HTML form (works
 * without JavaScript), same look as the sign-in page.
 */
export function ConsentView({
  formToken,
  user,
  appName,
  scopes,
}: {
  formToken: string;
  user: DemoUser;
  appName: string;
  scopes: string[];
}) {
  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-10">
      <div className="w-full max-w-md rounded-2xl border border-border bg-card p-6 text-card-foreground shadow-sm sm:p-8">
        <header>
          <p className="text-xs font-semibold tracking-wide text-primary uppercase">
            Local identity provider
          </p>
          <h1 className="mt-1 text-2xl font-semibold text-foreground">Permission requested</h1>
        </header>
        <p className="mt-4 text-sm text-muted-foreground">
          Signed in as <strong className="font-medium text-foreground">{user.name}</strong> (
          {user.preferredUsername})
        </p>
        <p className="mt-4 text-foreground">
          <strong className="font-semibold">{appName}</strong> wants to:
        </p>
        <ul aria-label="Requested permissions" className="mt-2 list-disc space-y-1 pl-5 text-sm">
          {scopes.map((s) => (
            <li key={s}>
              {describeScope(s)} <code className="text-xs text-muted-foreground">{s}</code>
            </li>
          ))}
        </ul>
        <p className="mt-4 text-xs text-muted-foreground">
          You can take this back at any time; the agent then asks again the next time it needs it.
        </p>
        <form method="post" action={CONSENT_ACTION} className="mt-6 flex gap-3">
          <input type="hidden" name="form_token" value={formToken} />
          <button
            type="submit"
            name="decision"
            value="allow"
            className="flex-1 rounded-lg bg-primary px-4 py-2 font-medium text-primary-foreground hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          >
            Allow
          </button>
          <button
            type="submit"
            name="decision"
            value="deny"
            className="flex-1 rounded-lg border border-border bg-background px-4 py-2 font-medium text-foreground hover:bg-accent focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          >
            Deny
          </button>
        </form>
      </div>
    </main>
  );
}
