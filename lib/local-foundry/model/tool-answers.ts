import type { ToolRecord, UrlCitation } from "./types";

/**
 * How the scripted model answers once a tool call has an outcome (documented in
 * docs/LOCAL_AGENT_SERVICE.md): it quotes what matters from the result, says plainly that a
 * rejected call was not made, and explains an error in words. Pure.
 */
export interface ToolAnswer {
  text: string;
  citations: UrlCitation[];
}

type Obj = Record<string, unknown>;

export function answerFromTool(call: ToolRecord): ToolAnswer {
  const o = call.outcome;
  if (o.status === "rejected") {
    const why = o.reason ? ` Your reason: “${o.reason}”.` : "";
    return plain(
      `I did not run \`${call.name}\`: the call was rejected, so it was not made and nothing was sent or changed.${why}`,
    );
  }
  if (o.status === "awaiting_approval")
    return plain(`The call to \`${call.name}\` is waiting for your approval.`);
  if (o.status === "failed") return plain(explainError(call.name, o.error));
  const out = parse(o.output);
  const args = parse(call.arguments) ?? {};
  if (!out) return plain(`\`${call.name}\` returned:\n\n${clip(o.output, 600)}`);
  if (call.name === "tavily_search") return searchAnswer(out, String(args.query ?? ""));
  return plain(summaries[call.name]?.(out, args) ?? generic(call.name, out));
}

const plain = (text: string): ToolAnswer => ({ text, citations: [] });

const summaries: Record<string, (out: Obj, args: Obj) => string> = {
  twilio_send_sms: (o) => `Sent your SMS to ${o.to} (message ${o.sid}, status ${o.status}).`,
  twilio_send_whatsapp: (o) =>
    `Sent your WhatsApp message to ${o.to} (message ${o.sid}, status ${o.status}).`,
  planner_create_task: (o) => `Created the task “${o.title}” (id \`${o.id}\`).`,
  planner_delete_task: (o) => `Deleted the task “${o.title}” (id \`${o.id}\`).`,
  planner_list_tasks: (o) =>
    list(
      o.tasks,
      "You have no tasks.",
      (n) => `You have ${n} task${n === 1 ? "" : "s"}:`,
      (t) =>
        `**${t.title}** — ${t.status}${t.dueDateTime ? `, due ${String(t.dueDateTime).slice(0, 10)}` : ""} (id \`${t.id}\`)`,
    ),
  gmail_send_email: (o, a) =>
    `Sent the e-mail to ${(a.to as string[] | undefined)?.join(", ") ?? "the recipient"} with the subject “${a.subject}” (message id \`${o.id}\`).`,
  gmail_list_messages: (o) =>
    list(
      o.messages,
      "Your mailbox has no messages.",
      (n) => `Your latest ${n} e-mail${n === 1 ? "" : "s"}:`,
      (m) => `**${m.subject || "(no subject)"}** from ${m.from} (${String(m.date).slice(0, 10)})`,
    ),
  openapi_dealer_list_vehicles: (o) =>
    list(
      o.items,
      "No vehicles match.",
      (n) => `${n} vehicle${n === 1 ? "" : "s"} in stock:`,
      (v) =>
        `${v.year} ${v.make} ${v.model} ${v.trim} (${v.fuel}) — £${Number(v.priceGbp).toLocaleString("en-GB")} (id \`${v.id}\`, ${v.status})`,
    ),
  openapi_dealer_list_enquiries: (o) =>
    list(
      o.items,
      "You have no enquiries.",
      (n) => `You have ${n} enquir${n === 1 ? "y" : "ies"}:`,
      (e) =>
        `${(e.customer as Obj | undefined)?.name}: “${e.message}” — ${e.status} (id \`${e.id}\`)`,
    ),
  openapi_dealer_create_enquiry: (o) =>
    `Recorded the enquiry \`${o.id}\` for ${(o.customer as Obj | undefined)?.name} (status ${o.status}).`,
  openapi_dealer_list_bookings: (o) =>
    list(
      o.items,
      "You have no bookings.",
      (n) => `You have ${n} booking${n === 1 ? "" : "s"}:`,
      (b) =>
        `${b.type} of \`${b.vehicleId}\` at ${b.startsAt} for ${b.customerName} — ${b.status} (id \`${b.id}\`)`,
    ),
  openapi_dealer_create_booking: (o) =>
    `Booked a ${String(o.type).replace("_", " ")} of \`${o.vehicleId}\` at ${o.startsAt} for ${o.customerName} (booking \`${o.id}\`, ${o.status}).`,
  openapi_dealer_create_payment: (o) => {
    const amount = o.amount as { amountMinor: number; currency: string } | undefined;
    const money = amount
      ? `${(amount.amountMinor / 100).toFixed(2)} ${amount.currency}`
      : "the amount";
    return `Took the payment of ${money} for booking \`${o.bookingId}\` by ${String(o.method).replace("_", " ")} (payment \`${o.id}\`, ${o.status}, reference “${o.reference}”).`;
  },
};

function list(
  items: unknown,
  none: string,
  head: (n: number) => string,
  line: (x: Obj) => string,
): string {
  const xs = Array.isArray(items) ? (items as Obj[]) : [];
  if (xs.length === 0) return none;
  const shown = xs.slice(0, 10).map((x) => `- ${line(x)}`);
  const more = xs.length > 10 ? `\n- … and ${xs.length - 10} more` : "";
  return `${head(xs.length)}\n\n${shown.join("\n")}${more}`;
}

function generic(name: string, out: Obj): string {
  return `\`${name}\` returned:\n\n\`\`\`json\n${clip(JSON.stringify(out, null, 2), 1200)}\n\`\`\``;
}

/** The search answer: the top results as Markdown links, each line cited with a url_citation. */
function searchAnswer(out: Obj, query: string): ToolAnswer {
  const results = (Array.isArray(out.results) ? (out.results as Obj[]) : []).slice(0, 3);
  if (results.length === 0) return plain(`I found nothing on the web for “${query}”.`);
  let text = `Here is what I found for “${query}”:\n\n`;
  const citations: UrlCitation[] = [];
  results.forEach((r, i) => {
    const title = String(r.title);
    const url = String(r.url);
    const prefix = `${i + 1}. `;
    const quoted = `[${title}](${url}) — ${clip(String(r.content ?? ""), 160)}`;
    const start = text.length + prefix.length;
    text += `${prefix}${quoted}\n`;
    citations.push({
      type: "url_citation",
      url,
      title,
      start_index: start,
      end_index: start + quoted.length,
    });
  });
  return { text: text.trimEnd(), citations };
}

/** Our MCP server's error results are JSON `{ code, message, … }`; anything else is quoted. */
export function explainError(name: string, error: string): string {
  const e = parse(error);
  const message = typeof e?.message === "string" ? e.message : clip(error, 400);
  switch (e?.code) {
    case "auth_required":
      return `I couldn't run \`${name}\`: ${message}${e.connect_url ? ` [Connect your account](${e.connect_url}), then ask me again.` : ""}`;
    case "approval_required":
      return `\`${name}\` was not run: the tools server requires an approved approval for this call first. ${message}`;
    case "rate_limited":
      return `\`${name}\` was not run because there were too many tool calls; please try again${e.retry_after_seconds ? ` in ${e.retry_after_seconds} seconds` : " shortly"}.`;
    case "invalid_arguments":
      return `\`${name}\` refused the arguments: ${message}`;
    case "forbidden":
      return `You are not allowed to run \`${name}\`: ${message}`;
    default:
      return `\`${name}\` failed${e?.code ? ` (${e.code})` : ""}: ${message}`;
  }
}

function parse(text: string): Obj | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null;
  } catch {
    return null;
  }
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
