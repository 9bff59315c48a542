import { ROLES } from "@/lib/identity/principal";

/** A person the embedded identity provider can sign in. Ids are fixed so data survives restarts. */
export interface DemoUser {
  /** Short sign-in name: `alice`. */
  username: string;
  /** Entra-style `oid`. */
  oid: string;
  name: string;
  /** `preferred_username` claim. */
  preferredUsername: string;
  roles: string[];
  /** One line shown on the sign-in page. */
  description: string;
}

export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    username: "alice",
    oid: "0a1c6e52-1f3b-4d7a-9c11-a11ce0000001",
    name: "Alice Anderson",
    preferredUsername: "alice@contoso.local",
    roles: [],
    description: "User: chats with agents and asks for tool calls.",
  },
  {
    username: "bob",
    oid: "0b0b7f63-2a4c-4e8b-8d22-b0b000000002",
    name: "Bob Brown",
    preferredUsername: "bob@contoso.local",
    roles: [],
    description: "User: a second ordinary user, to see ownership rules.",
  },
  {
    username: "carol",
    oid: "0ca70d74-3b5d-4f9c-9e33-ca7010000003",
    name: "Carol Chen",
    preferredUsername: "carol@contoso.local",
    roles: [ROLES.approver],
    description: "Approver: approves or rejects privileged tool calls.",
  },
  {
    username: "dana",
    oid: "0da0a185-4c6e-4a0d-8f44-da0a00000004",
    name: "Dana Diaz",
    preferredUsername: "dana@contoso.local",
    roles: [ROLES.admin],
    description: "Admin: sees the tool catalog, policies, usage and audit log.",
  },
]);

/** Accepts the short name (`alice`) or the full `preferred_username`, case-insensitively. */
export function findDemoUser(username: string): DemoUser | undefined {
  const wanted = username.trim().toLowerCase();
  return DEMO_USERS.find((u) => u.username === wanted || u.preferredUsername === wanted);
}

export function findDemoUserByOid(oid: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.oid === oid);
}
