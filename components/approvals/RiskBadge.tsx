const tone: Record<string, string> = {
  read: "bg-muted text-muted-foreground",
  write: "bg-warning text-warning-foreground",
  privileged: "bg-destructive/15 text-destructive",
};

/** How risky a tool call is (from the policy): read, write or privileged. */
export function RiskBadge({ risk }: { risk: "read" | "write" | "privileged" }) {
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${tone[risk]}`}>
      <span className="sr-only">Risk: </span>
      {risk}
    </span>
  );
}
