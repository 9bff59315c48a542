import { z } from "zod";
import { AppError } from "@/lib/errors";
import { readJson } from "@/lib/http/body";
import { authenticate } from "@/lib/identity/authenticate";
import { bearerChallenge } from "@/lib/identity/challenge";
import { verifyConnectToken } from "@/mcp-server/connections/connect-token";

/**
 * The connect page posts from a popup that has no bearer token: its credential is the signed
 * connect token in the body. This checks that credential before anything else of the request is
 * judged (provider, origin, body shape), so a request without one is a 401 whatever it carries.
 * The handler then reads the request itself (it gets an untouched body).
 */
export async function authenticateConnect(
  req: Request,
  provider: string,
  opts: { bearer: boolean },
): Promise<void> {
  if (opts.bearer && /^\s*bearer\b/i.test(req.headers.get("authorization") ?? "")) {
    await authenticate(req);
    return;
  }
  const token = await connectTokenOf(req.clone());
  if (!token) {
    throw new AppError("unauthenticated", "Open the connect link from the chat, or sign in.", {
      headers: { "www-authenticate": bearerChallenge() },
    });
  }
  if (!(await verifyConnectToken(token, provider))) {
    throw new AppError(
      "unauthenticated",
      "This connect link has expired or is not valid. Start again from the chat.",
      { headers: { "www-authenticate": bearerChallenge({ error: "invalid_token" }) } },
    );
  }
}

const withToken = z.object({ token: z.string().min(1).max(4096) });

/** The body's connect token, or undefined when the body cannot carry one (wrong type, not JSON…). */
async function connectTokenOf(req: Request): Promise<string | undefined> {
  try {
    return (await readJson(req, withToken.loose())).token;
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return undefined;
    throw err;
  }
}
