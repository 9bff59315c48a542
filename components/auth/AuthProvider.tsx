"use client";

import { useRouter } from "next/navigation";
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useEffectEvent,
  useMemo,
  useRef,
  useState,
  type ComponentType,
  type ReactNode,
} from "react";
import { fetchAuthConfig, type PublicAuthConfig } from "@/lib/identity/browser/auth-config";
import {
  AUTH_CALLBACK_PATH,
  currentPath,
  SignInRequiredError,
  type Account,
  type AuthClient,
} from "@/lib/identity/browser/auth-client";
import { LocalAuthClient } from "@/lib/identity/browser/local-auth-client";

export type AuthStatus = "loading" | "signed-out" | "signed-in" | "error";

export interface AuthState {
  status: AuthStatus;
  account?: Account;
  error?: string;
  /** "local" or "entra" once the configuration is known. */
  mode?: PublicAuthConfig["mode"];
  signIn(): Promise<void>;
  signOut(): Promise<void>;
  getAccessToken(): Promise<string>;
}

const AuthContext = createContext<AuthState | null>(null);

type MsalProviderType = ComponentType<{ instance: never; children: ReactNode }>;

interface Boot {
  config: PublicAuthConfig;
  client: AuthClient;
  account: Account | null;
  /** The sign-in could not be completed or restored; the client still works for a new sign-in. */
  error?: string;
  returnTo?: string;
  /** Entra only: MSAL React's provider and the PublicClientApplication it wraps. */
  msal?: { Provider: MsalProviderType; instance: unknown };
}

async function bootstrap(): Promise<Boot> {
  const config = await fetchAuthConfig();
  if (config.mode === "local") {
    const client = new LocalAuthClient(config);
    const { account, error } = await initClient(client);
    return { config, client, account, error, returnTo: client.takeReturnTo() };
  }
  // MSAL is loaded only when Entra is configured, keeping it out of the embedded-mode bundle.
  const [{ MsalAuthClient }, msalReact] = await Promise.all([
    import("@/lib/identity/browser/msal-auth-client"),
    import("@azure/msal-react"),
  ]);
  const client = new MsalAuthClient(config);
  const { account, error } = await initClient(client);
  return {
    config,
    client,
    account,
    error,
    msal: {
      Provider: msalReact.MsalProvider as unknown as MsalProviderType,
      instance: client.instance,
    },
  };
}

async function initClient(
  client: AuthClient,
): Promise<{ account: Account | null; error?: string }> {
  try {
    return { account: await client.init() };
  } catch (err) {
    return { account: null, error: errorMessage(err) };
  }
}

/**
 * Provides `useAuth()`. Mount it once near the root; nested providers defer to the outer one, so
 * pages such as /auth/callback can include it without double initialisation.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const parent = useContext(AuthContext);
  if (parent) return <>{children}</>;
  return <RootAuthProvider>{children}</RootAuthProvider>;
}

function RootAuthProvider({ children }: { children: ReactNode }) {
  const router = useRouter();
  const [boot, setBoot] = useState<Boot>();
  const [status, setStatus] = useState<AuthStatus>("loading");
  const [account, setAccount] = useState<Account>();
  const [error, setError] = useState<string>();
  // One bootstrap per provider: Strict Mode runs effects twice on the same instance, and a
  // sign-in callback (a one-time code) must be completed exactly once.
  const booting = useRef<Promise<Boot>>(undefined);

  // Applied once per bootstrap; an effect event so router identity changes never re-apply it.
  const applyBoot = useEffectEvent((b: Boot) => {
    setBoot(b);
    setAccount(b.account ?? undefined);
    setError(b.error);
    setStatus(b.error ? "error" : b.account ? "signed-in" : "signed-out");
    if (b.returnTo) router.replace(b.returnTo);
    // A signed-in visit to the callback with nothing to complete (MSAL navigates on its own).
    else if (
      b.config.mode === "local" &&
      b.account &&
      window.location.pathname === AUTH_CALLBACK_PATH
    ) {
      router.replace("/");
    }
  });

  useEffect(() => {
    let live = true;
    booting.current ??= bootstrap();
    booting.current.then(
      (b) => {
        if (live) applyBoot(b);
      },
      (err: unknown) => {
        booting.current = undefined; // a later mount may try again
        if (!live) return;
        setError(errorMessage(err));
        setStatus("error");
      },
    );
    return () => {
      live = false;
    };
  }, []);

  // The session is shared by this origin's tabs: follow a sign-in or sign-out made in another one.
  useEffect(
    () =>
      boot?.client.onSessionChange?.((next) => {
        setAccount((prev) =>
          next && prev?.username === next.username ? prev : (next ?? undefined),
        );
        setStatus(next ? "signed-in" : "signed-out");
        if (next) setError(undefined);
      }),
    [boot],
  );

  const signIn = useCallback(async () => {
    if (!boot) throw new Error("Sign-in is not ready yet.");
    setError(undefined);
    await boot.client.signIn({ returnTo: currentPath(window.location.href) });
  }, [boot]);

  const signOut = useCallback(async () => {
    if (!boot) return;
    await boot.client.signOut();
    setAccount(undefined);
    setStatus("signed-out");
  }, [boot]);

  const getAccessToken = useCallback(async () => {
    if (!boot) throw new SignInRequiredError("Sign-in is not ready yet.");
    try {
      return await boot.client.getAccessToken();
    } catch (err) {
      if (err instanceof SignInRequiredError) {
        setAccount(undefined);
        setStatus("signed-out");
      }
      throw err;
    }
  }, [boot]);

  const value = useMemo<AuthState>(
    () => ({ status, account, error, mode: boot?.config.mode, signIn, signOut, getAccessToken }),
    [status, account, error, boot, signIn, signOut, getAccessToken],
  );

  const content = <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
  if (boot?.msal) {
    const { Provider, instance } = boot.msal;
    return <Provider instance={instance as never}>{content}</Provider>;
  }
  return content;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth() must be used inside <AuthProvider>.");
  return value;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return "Sign-in failed. Please try again.";
}
