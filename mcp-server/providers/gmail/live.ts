import type { gmail_v1 } from "@googleapis/gmail";
import type { ToolContext } from "@/mcp-server/catalog/types";
import { callProvider } from "../call";
import { ProviderAuthError } from "../types";
import { validateCompose } from "../sandbox/gmail";
import { gmailApi } from "./client";
import { createDraft, sendMessage } from "./compose";
import { gmailError } from "./errors";
import type { GmailProvider } from "./port";
import { messagePage } from "./read";
import { forgetAccessToken } from "./tokens";
import { GMAIL_READONLY, OPERATION_LABEL, type GmailOperation } from "./scopes";
import { accessTokenOf, gmailSessionIssuer, reconnect, requireGmailScope } from "./session";

/**
 * One Gmail API call for the user: the connection must allow the operation, the call runs in the
 * user's session (access token; refreshed and retried once on 401), and Google's errors become
 * ours (errors.ts).
 */
async function withGmail<T>(
  ctx: ToolContext,
  op: GmailOperation,
  fn: (api: gmail_v1.Gmail, grantedScopes: string[]) => Promise<T>,
): Promise<T> {
  const scopes = await requireGmailScope(ctx.principal, op);
  return callProvider(
    ctx,
    "gmail",
    async (session) => {
      const token = await accessTokenOf(session);
      try {
        return await fn(gmailApi(token, ctx.signal), scopes);
      } catch (err) {
        const mapped = await gmailError(err, () =>
          reconnect(
            ctx.principal,
            `Google says your Gmail connection does not allow the assistant to ${OPERATION_LABEL[op]}. Connect Gmail again and allow it, then try again.`,
          ),
        );
        // Refused: the renewal withProviderSession makes next must redeem the refresh token.
        if (mapped instanceof ProviderAuthError)
          await forgetAccessToken(ctx.principal.userId, token);
        throw mapped;
      }
    },
    { issuer: gmailSessionIssuer(ctx.principal) },
  );
}

/** Google's Gmail API (users.messages.list/get/send, users.drafts.create) behind the Gmail port. */
export const liveGmailProvider: GmailProvider = {
  listMessages: (ctx, args) =>
    withGmail(ctx, "read", (api) =>
      messagePage(api, {
        labelIds: args.labelIds,
        maxResults: args.maxResults,
        pageToken: args.pageToken,
        includeBody: args.includeBody,
      }),
    ),
  searchMessages: (ctx, args) =>
    withGmail(ctx, "read", (api) =>
      messagePage(api, {
        q: args.query,
        maxResults: args.maxResults,
        pageToken: args.pageToken,
        includeBody: args.includeBody,
      }),
    ),
  async sendMessage(ctx, args) {
    // The checks Gmail applies, before anything is sent (the sandbox applies the same).
    validateCompose(args, true);
    return withGmail(ctx, "send", (api, scopes) =>
      sendMessage(api, args, scopes.includes(GMAIL_READONLY)),
    );
  },
  async createDraft(ctx, args) {
    validateCompose(args, false);
    return withGmail(ctx, "draft", (api, scopes) =>
      createDraft(api, args, scopes.includes(GMAIL_READONLY)),
    );
  },
};
