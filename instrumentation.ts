/**
 * Runs once when the server process starts (Next.js instrumentation hook): opens the database
 * (running migrations), seeds the local agent service, and closes runs a previous process left
 * unfinished. Node.js runtime only.
 */
export async function register(): Promise<void> {
  // NEXT_RUNTIME is set by Next itself, not by the operator, so it is read here directly.
  // eslint-disable-next-line no-restricted-properties
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("@/lib/startup");
  await startServer();
}
