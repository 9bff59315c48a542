"use client";

import { useLoaded } from "@/components/ui/useLoaded";
import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Spinner } from "@/components/ui/Spinner";
import { ApiError } from "@/lib/chat/api-client";
import {
  APP_KEY_ROLES,
  createKeysClient,
  type AccessKeyItem,
  type AppKeyRole,
  type CreateAccessKey,
} from "./keys-client";

const message = (err: unknown) =>
  err instanceof ApiError ? err.message : "Something went wrong. Please try again.";

function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? ""
    : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

const button =
  "inline-flex min-h-8 items-center justify-center rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring disabled:opacity-60";
const input =
  "min-h-9 w-full rounded-md border border-input bg-background px-3 py-1.5 text-sm text-foreground focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring";

/**
 * `/admin/keys`: the MCP access keys (name, kind, roles, prefix, created, last used, status), a
 * form that creates one and shows its key once, and Revoke (after a confirmation). Admins only:
 * the API refuses everyone else.
 */
export function AccessKeys({
  getAccessToken,
  fetchImpl,
}: {
  getAccessToken: () => Promise<string>;
  fetchImpl?: typeof fetch;
}) {
  const api = useMemo(
    () => createKeysClient(getAccessToken, fetchImpl),
    [getAccessToken, fetchImpl],
  );
  const [notice, setNotice] = useState<string>();
  const [created, setCreated] = useState<AccessKeyItem & { key: string }>();
  const [pending, setPending] = useState<AccessKeyItem>();

  const load = useCallback(() => api.list(), [api]);
  const { data: items, error, reload } = useLoaded(load, message);

  const create = async (body: CreateAccessKey) => {
    const item = await api.create(body);
    setCreated(item);
    setNotice(undefined);
    await reload();
  };

  const confirmRevoke = async () => {
    const k = pending;
    setPending(undefined);
    if (!k) return;
    try {
      await api.revoke(k.id);
      setNotice(`Key ${k.name} revoked.`);
    } catch (err) {
      setNotice(message(err));
    }
    await reload();
  };

  return (
    <div className="mx-auto w-full max-w-5xl px-4 py-6">
      <h1 className="text-xl font-semibold">MCP access keys</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        Keys for Foundry key-based connections (and other MCP clients) calling{" "}
        <code className="font-mono">/api/mcp</code> in the{" "}
        <code className="font-mono">x-api-key</code> header. Only a hash of each key is stored.
      </p>
      <p role="status" aria-live="polite" className="mt-2 text-sm">
        {notice}
      </p>

      <section aria-labelledby="create-key-heading" className="mt-4 rounded-lg border p-4">
        <h2 id="create-key-heading" className="text-base font-semibold">
          Create a key
        </h2>
        <CreateKeyForm onCreate={create} />
      </section>

      {created ? (
        <NewKey key={created.id} item={created} onDone={() => setCreated(undefined)} />
      ) : null}

      <section aria-labelledby="keys-heading" className="mt-8">
        <h2 id="keys-heading" className="text-base font-semibold">
          Keys
        </h2>
        {error ? (
          <p
            role="alert"
            className="mt-2 rounded-md bg-destructive/10 px-3 py-2 text-sm text-destructive"
          >
            {error}
          </p>
        ) : null}
        {!items && !error ? (
          <div className="mt-6 flex justify-center">
            <Spinner label="Loading keys" />
          </div>
        ) : null}
        {items && items.length === 0 ? (
          <p className="mt-2 text-sm text-muted-foreground">No keys yet.</p>
        ) : null}
        {items && items.length > 0 ? <KeysTable items={items} onRevoke={setPending} /> : null}
      </section>

      <ConfirmDialog
        open={!!pending}
        title={`Revoke ${pending?.name ?? ""}?`}
        body="Clients using this key will be refused at once. A revoked key cannot be restored; create a new one instead."
        confirmLabel="Revoke"
        destructive
        onConfirm={() => void confirmRevoke()}
        onCancel={() => setPending(undefined)}
      />
    </div>
  );
}

function KeysTable({
  items,
  onRevoke,
}: {
  items: AccessKeyItem[];
  onRevoke: (k: AccessKeyItem) => void;
}) {
  const th = "px-3 py-2 text-left font-medium whitespace-nowrap";
  return (
    <div className="mt-2 overflow-x-auto rounded-lg border">
      <table className="w-full min-w-[48rem] text-sm">
        <caption className="sr-only">MCP access keys</caption>
        <thead className="bg-muted/50 text-muted-foreground">
          <tr>
            <th scope="col" className={th}>
              Name
            </th>
            <th scope="col" className={th}>
              Kind
            </th>
            <th scope="col" className={th}>
              Roles
            </th>
            <th scope="col" className={th}>
              Prefix
            </th>
            <th scope="col" className={th}>
              Created
            </th>
            <th scope="col" className={th}>
              Last used
            </th>
            <th scope="col" className={th}>
              Status
            </th>
            <th scope="col" className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y">
          {items.map((k) => (
            <tr key={k.id} className={k.revokedAt ? "text-muted-foreground" : undefined}>
              <th scope="row" className="px-3 py-2 text-left font-medium break-all">
                {k.name}
              </th>
              <td className="px-3 py-2">
                {k.kind === "app" ? (
                  "App"
                ) : (
                  <>
                    User
                    {k.userId ? (
                      <span className="block font-mono text-xs break-all text-muted-foreground">
                        {k.userId}
                      </span>
                    ) : null}
                  </>
                )}
              </td>
              <td className="px-3 py-2">
                {k.kind === "user" ? (
                  <span className="text-muted-foreground">The user&rsquo;s own</span>
                ) : k.roles.length > 0 ? (
                  k.roles.join(", ")
                ) : (
                  <span className="text-muted-foreground">None</span>
                )}
              </td>
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">{k.keyPrefix}…</td>
              <td className="px-3 py-2 whitespace-nowrap">{formatDate(k.createdAt)}</td>
              <td className="px-3 py-2 whitespace-nowrap">
                {k.lastUsedAt ? formatDate(k.lastUsedAt) : "Never"}
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                {k.revokedAt ? (
                  <>Revoked {formatDate(k.revokedAt)}</>
                ) : (
                  <span className="rounded-full bg-primary/10 px-2 py-0.5 text-xs font-medium text-foreground">
                    Active
                  </span>
                )}
              </td>
              <td className="px-3 py-2 text-right">
                {k.revokedAt ? null : (
                  <button
                    type="button"
                    onClick={() => onRevoke(k)}
                    aria-label={`Revoke ${k.name}`}
                    className={`${button} border hover:bg-muted`}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Name, kind, roles (app keys) or the user to act as (user keys). */
export function CreateKeyForm({
  onCreate,
}: {
  onCreate: (body: CreateAccessKey) => Promise<void>;
}) {
  const id = useId();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"app" | "user">("app");
  const [roles, setRoles] = useState<AppKeyRole[]>(["Tools.Read"]);
  const [username, setUsername] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await onCreate(
        kind === "app"
          ? { name: name.trim(), kind, roles }
          : { name: name.trim(), kind, username: username.trim() },
      );
      setName("");
      setUsername("");
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const toggleRole = (r: AppKeyRole, on: boolean) =>
    setRoles((prev) =>
      on ? APP_KEY_ROLES.filter((x) => x === r || prev.includes(x)) : prev.filter((x) => x !== r),
    );

  return (
    <form onSubmit={(e) => void submit(e)} className="mt-3 grid gap-4 sm:grid-cols-2">
      <div>
        <label htmlFor={`${id}-name`} className="block text-sm font-medium">
          Name
        </label>
        <input
          id={`${id}-name`}
          name="name"
          required
          maxLength={64}
          pattern="[A-Za-z0-9._\-]{1,64}"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={`${id}-name-hint`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          className={`${input} mt-1`}
        />
        <p id={`${id}-name-hint`} className="mt-1 text-xs text-muted-foreground">
          Letters, digits, &lsquo;.&rsquo;, &lsquo;_&rsquo; and &lsquo;-&rsquo;; unique.
        </p>
      </div>
      <div>
        <label htmlFor={`${id}-kind`} className="block text-sm font-medium">
          Kind
        </label>
        <select
          id={`${id}-kind`}
          name="kind"
          value={kind}
          onChange={(e) => setKind(e.target.value === "user" ? "user" : "app")}
          className={`${input} mt-1`}
        >
          <option value="app">App — its own identity, with the roles below</option>
          <option value="user">User — acts as one user, with their roles</option>
        </select>
      </div>
      {kind === "app" ? (
        <fieldset className="sm:col-span-2">
          <legend className="text-sm font-medium">Roles</legend>
          <div className="mt-1 flex flex-wrap gap-x-6 gap-y-1">
            {APP_KEY_ROLES.map((r) => (
              <label key={r} className="inline-flex min-h-8 items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  name="roles"
                  value={r}
                  checked={roles.includes(r)}
                  onChange={(e) => toggleRole(r, e.target.checked)}
                  className="size-4 accent-primary"
                />
                {r}
                <span className="text-muted-foreground">
                  {r === "Tools.Read" ? "(read tools)" : "(write tools, after approval)"}
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      ) : (
        <div className="sm:col-span-2">
          <label htmlFor={`${id}-username`} className="block text-sm font-medium">
            Acts as (username)
          </label>
          <input
            id={`${id}-username`}
            name="username"
            required
            autoComplete="off"
            spellCheck={false}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            className={`${input} mt-1 sm:max-w-sm`}
          />
        </div>
      )}
      {error ? (
        <p
          role="alert"
          className="rounded-md bg-destructive/10 px-3 py-2 text-sm text-destructive sm:col-span-2"
        >
          {error}
        </p>
      ) : null}
      <div className="sm:col-span-2">
        <button
          type="submit"
          disabled={busy}
          aria-busy={busy || undefined}
          className={`${button} bg-primary text-primary-foreground hover:opacity-90`}
        >
          {busy ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}

/** The new key, once: a read-only field, Copy, and the warning. Done forgets it. */
function NewKey({ item, onDone }: { item: AccessKeyItem & { key: string }; onDone: () => void }) {
  const id = useId();
  const ref = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string>();

  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(item.key);
      setCopied("Copied to the clipboard.");
    } catch {
      ref.current?.select();
      setCopied("Copying failed; the key is selected, copy it yourself.");
    }
  };

  return (
    <section
      aria-labelledby={`${id}-heading`}
      className="mt-4 rounded-lg border border-primary/40 bg-primary/5 p-4"
    >
      <h2 id={`${id}-heading`} className="text-base font-semibold">
        Key {item.name} created
      </h2>
      <p className="mt-1 text-sm font-medium text-destructive">This key will not be shown again.</p>
      <p className="text-sm text-muted-foreground">
        Copy it now into the client (for Foundry: a key-based connection with the credential name{" "}
        <code className="font-mono">x-api-key</code>).
      </p>
      <label htmlFor={`${id}-key`} className="mt-3 block text-sm font-medium">
        New key
      </label>
      <div className="mt-1 flex flex-wrap gap-2">
        <input
          ref={ref}
          id={`${id}-key`}
          readOnly
          value={item.key}
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          className={`${input} min-w-0 flex-1 font-mono`}
        />
        <button
          type="button"
          onClick={() => void copy()}
          className={`${button} bg-primary text-primary-foreground hover:opacity-90`}
        >
          Copy
        </button>
        <button type="button" onClick={onDone} className={`${button} border hover:bg-muted`}>
          Done
        </button>
      </div>
      <p role="status" aria-live="polite" className="mt-1 min-h-5 text-xs text-muted-foreground">
        {copied}
      </p>
    </section>
  );
}
