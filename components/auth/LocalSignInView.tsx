import type { DemoUser } from "@/lib/identity/local-idp/users";

/** Path the sign-in form posts to; relative, so it stays on whatever origin the browser used. */
export const SIGN_IN_ACTION = "/local-idp/authorize/submit";

function roleLabel(roles: readonly string[]): string {
  return roles.length > 0 ? roles.join(", ") : "User";
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((p) => p[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
}

const AVATAR_COLORS = [
  "bg-sky-100 text-sky-800 dark:bg-sky-900/60 dark:text-sky-200",
  "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/60 dark:text-emerald-200",
  "bg-amber-100 text-amber-900 dark:bg-amber-900/60 dark:text-amber-200",
  "bg-fuchsia-100 text-fuchsia-800 dark:bg-fuchsia-900/60 dark:text-fuchsia-200",
];

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <main className="flex min-h-full items-center justify-center bg-background px-4 py-10">
      <div className="w-full max-w-md rounded-2xl border border-border bg-card p-6 text-card-foreground shadow-sm sm:p-8">
        {children}
      </div>
    </main>
  );
}

function Header({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <header>
      <p className="text-xs font-semibold tracking-wide text-primary uppercase">
        Local identity provider
      </p>
      <h1 className="mt-1 text-2xl font-semibold text-foreground">{title}</h1>
      {children}
    </header>
  );
}

/**
 * The button's name is its own visible text ("Sign in as" is read before it), so a voice-control
 * user can say what they see (WCAG 2.5.3) and a screen-reader user hears all of it.
 */
function UserButton({ user, index }: { user: DemoUser; index: number }) {
  const role = roleLabel(user.roles);
  return (
    <li>
      <button
        type="submit"
        name="username"
        value={user.username}
        className="flex w-full items-center gap-4 rounded-xl border border-border bg-background p-4 text-left transition hover:border-primary hover:bg-accent focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
      >
        <span
          aria-hidden="true"
          className={`flex size-11 shrink-0 items-center justify-center rounded-full text-sm font-semibold ${AVATAR_COLORS[index % AVATAR_COLORS.length]}`}
        >
          {initials(user.name)}
        </span>
        <span className="min-w-0 flex-1">
          <span className="flex items-center gap-2">
            <span className="font-medium text-foreground">
              <span className="sr-only">Sign in as </span>
              {user.name}
            </span>
            <span className="sr-only">, </span>
            <span className="rounded-full bg-muted px-2 py-0.5 text-xs font-medium text-foreground">
              {role}
            </span>
          </span>
          <span className="sr-only">, </span>
          <span className="block truncate text-sm text-muted-foreground">
            {user.preferredUsername}
          </span>
          <span className="sr-only">. </span>
          <span className="mt-1 block text-xs text-muted-foreground">{user.description}</span>
        </span>
      </button>
    </li>
  );
}

/** The local IdP's sign-in page: one button per demo user, posting a one-time form token. */
export function LocalSignInView(props: {
  formToken: string;
  users: readonly DemoUser[];
  appOrigin: string;
}) {
  return (
    <Shell>
      <Header title="Sign in to Foundry Agent Chat">
        <p className="mt-2 text-sm text-muted-foreground">
          Choose a demo account to continue to{" "}
          <span className="font-medium">{props.appOrigin}</span>.
        </p>
      </Header>
      <form method="post" action={SIGN_IN_ACTION} className="mt-6">
        <input type="hidden" name="form_token" value={props.formToken} />
        <fieldset>
          <legend className="mb-3 text-sm font-medium text-foreground">Demo accounts</legend>
          <ul className="space-y-3">
            {props.users.map((u, i) => (
              <UserButton key={u.username} user={u} index={i} />
            ))}
          </ul>
        </fieldset>
      </form>
      <p className="mt-6 text-xs text-muted-foreground">
        For development and demos only: anyone can sign in as any of these users. Configure
        Microsoft Entra ID for real accounts.
      </p>
    </Shell>
  );
}

/** Shown instead of the form when the authorization request is invalid; never redirects. */
export function LocalSignInProblem(props: { error: string; description: string; homeUrl: string }) {
  return (
    <Shell>
      <Header title="This sign-in request cannot be completed">
        <p role="alert" className="mt-3 text-sm text-foreground">
          {props.description}
        </p>
        <p className="mt-2 font-mono text-xs text-muted-foreground">error: {props.error}</p>
      </Header>
      <a
        href={props.homeUrl}
        className="mt-6 inline-flex rounded-lg bg-primary px-4 py-2 text-sm font-medium text-primary-foreground hover:opacity-90 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
      >
        Return to Foundry Agent Chat
      </a>
    </Shell>
  );
}
