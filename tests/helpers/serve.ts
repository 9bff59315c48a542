import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves a Web-standard fetch handler (our route handlers are exactly that) on 127.0.0.1 at a
 * free port, so tests talk to real HTTP without starting Next.
 */
export async function serve(
  fetch: (req: Request) => Response | Promise<Response>,
  port = 0,
): Promise<TestServer> {
  const server = createAdaptorServer({ fetch, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
