"use client";

import { useAuth } from "@/components/auth/AuthProvider";
import { ConnectionsList } from "./ConnectionsList";

/** `/connections` */
export function ConnectionsPage() {
  const { getAccessToken } = useAuth();
  return <ConnectionsList getAccessToken={getAccessToken} />;
}
