"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { ADMIN_LINKS } from "@/components/admin/links";
import { usePendingApprovals } from "@/components/approvals/usePendingApprovals";
import { ROLES } from "@/lib/identity/principal";
import { useAuth } from "./AuthProvider";

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((p) => p[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();
}

/**
 * The signed-in user's name and roles, the Approvals link with how many requests wait for them,
 * Connections, the administration pages (Admins only), and Sign out. A disclosure: Escape or a click
 * outside closes it.
 */
export function UserMenu() {
  const { account, signOut, getAccessToken } = useAuth();
  const pending = usePendingApprovals(getAccessToken);
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      buttonRef.current?.focus();
    };
    const onPointer = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);

  if (!account) return null;
  const roles = account.roles.length > 0 ? account.roles : ["User"];

  return (
    <div ref={rootRef} className="relative">
      <button
        ref={buttonRef}
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((v) => !v)}
        className="flex items-center gap-2 rounded-full p-1 pr-3 text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
      >
        <span
          aria-hidden="true"
          className="flex size-8 items-center justify-center rounded-full bg-accent text-xs font-semibold text-accent-foreground"
        >
          {initials(account.name)}
        </span>
        <span className="max-w-40 truncate font-medium">{account.name}</span>
        <span className="sr-only">, account menu</span>
        {pending ? (
          <>
            <span className="sr-only">{`, ${pending} approvals pending`}</span>
            <span
              aria-hidden="true"
              className="rounded-full bg-primary px-1.5 text-xs font-semibold text-primary-foreground"
            >
              {pending}
            </span>
          </>
        ) : null}
      </button>
      {open ? (
        <div
          id={panelId}
          className="absolute right-0 z-50 mt-2 w-72 rounded-xl border border-border bg-card p-4 text-card-foreground shadow-lg"
        >
          <p className="font-medium text-foreground">{account.name}</p>
          <p className="truncate text-sm text-muted-foreground">{account.username}</p>
          <p className="mt-3 text-xs font-medium tracking-wide text-muted-foreground uppercase">
            Roles
          </p>
          <ul className="mt-1 flex flex-wrap gap-1.5" aria-label="Roles">
            {roles.map((r) => (
              <li
                key={r}
                className="rounded-full bg-muted px-2 py-0.5 text-xs font-medium text-foreground"
              >
                {r}
              </li>
            ))}
          </ul>
          <Link
            href="/approvals"
            onClick={() => setOpen(false)}
            aria-label={pending ? `Approvals, ${pending} pending` : "Approvals"}
            className="mt-4 flex min-h-9 w-full items-center justify-between rounded-lg px-3 py-2 text-sm font-medium hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          >
            Approvals
            {pending ? (
              <span
                aria-hidden="true"
                className="rounded-full bg-primary px-2 text-xs font-semibold text-primary-foreground"
              >
                {pending}
              </span>
            ) : null}
          </Link>
          <Link
            href="/connections"
            onClick={() => setOpen(false)}
            className="mt-1 flex min-h-9 w-full items-center rounded-lg px-3 py-2 text-sm font-medium hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          >
            Connections
          </Link>
          {account.roles.includes(ROLES.admin) ? (
            <>
              <p className="mt-3 px-3 text-xs font-medium tracking-wide text-muted-foreground uppercase">
                Administration
              </p>
              {ADMIN_LINKS.map((l) => (
                <Link
                  key={l.href}
                  href={l.href}
                  onClick={() => setOpen(false)}
                  className="mt-1 flex min-h-9 w-full items-center rounded-lg px-3 py-2 text-sm font-medium hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
                >
                  {l.label}
                </Link>
              ))}
            </>
          ) : null}
          <button
            type="button"
            onClick={() => {
              setOpen(false);
              void signOut();
            }}
            className="mt-2 w-full rounded-lg border border-input px-3 py-2 text-sm font-medium hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
          >
            Sign out
          </button>
        </div>
      ) : null}
    </div>
  );
}
