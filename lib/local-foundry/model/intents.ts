import type { ModelTool, ToolCallRequest } from "./types";

/**
 * The scripted model's tool intents (documented in docs/LOCAL_AGENT_SERVICE.md): plain phrasing →
 * one tool call with arguments taken from the message. Pure and deterministic except that a
 * booking without a date is for tomorrow. An intent applies only when its tool was listed for
 * this response; otherwise the model falls back to its text replies.
 */
interface Intent {
  tool: string;
  match(text: string, now: Date): Record<string, unknown> | null;
}

const PHONE = /(\+[1-9]\d{1,14})\b/;
const EMAIL = /([A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/;
const VEHICLE = /\b(veh_[a-z0-9]{4,32})\b/;
const BOOKING = /\b(bkg_[0-9a-f]{24})\b/;

/** Strips quotes and a closing full stop from a phrase taken from the message. */
const clean = (s: string) =>
  s
    .trim()
    .replace(/^["'“‘]|["'”’]$/g, "")
    .replace(/[.!?]+$/, "")
    .trim();

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function message(channel: "sms|text(?: message)?" | "whatsapp(?: message)?") {
  const re = new RegExp(
    `\\bsend (?:an? )?(?:${channel}) to ${PHONE.source}(?:.*?\\bsaying\\b\\s*(.+))?`,
    "is",
  );
  return (text: string) => {
    const m = re.exec(text);
    return m ? { to: m[1], body: m[2] ? clean(m[2]) || "Hello!" : "Hello!" } : null;
  };
}

const INTENTS: Intent[] = [
  { tool: "twilio_send_whatsapp", match: message("whatsapp(?: message)?") },
  { tool: "twilio_send_sms", match: message("sms|text(?: message)?") },
  {
    tool: "tavily_search",
    match: (t) => {
      const m = /\bsearch (?:the web|the internet|online|the net)?\s*for (.+)/is.exec(t);
      return m && clean(m[1]!) ? { query: clean(m[1]!).slice(0, 400) } : null;
    },
  },
  {
    tool: "planner_delete_task",
    match: (t) => {
      const m = /\bdelete (?:the |my )?task (?:with id )?[`"']?([A-Za-z0-9_-]{1,64})[`"']?/i.exec(
        t,
      );
      return m ? { taskId: m[1] } : null;
    },
  },
  {
    tool: "planner_create_task",
    match: (t) => {
      const m =
        /\b(?:create|add|make) (?:a |an |new )*task(?: called| named| titled|:)?\s+(.+)/is.exec(t);
      return m && clean(m[1]!) ? { title: clean(m[1]!).slice(0, 255) } : null;
    },
  },
  {
    tool: "planner_list_tasks",
    match: (t) =>
      /\b(?:list|show|what are)(?: me)? (?:all )?(?:of )?my tasks\b/i.test(t) ? {} : null,
  },
  {
    tool: "gmail_send_email",
    match: (t) => {
      const m = new RegExp(`\\be-?mail ${EMAIL.source} about (.+)`, "is").exec(t);
      if (!m) return null;
      const topic = clean(m[2]!);
      return {
        to: [m[1]],
        subject: capitalize(topic).slice(0, 200),
        body: `Hello,\n\nI'm writing about ${topic}. Let me know if you have any questions.\n\nBest regards`,
      };
    },
  },
  {
    tool: "gmail_list_messages",
    match: (t) =>
      /\b(?:show|list|check|read)(?: me)? my (?:latest |recent |new )?(?:e-?mails|mail|inbox)\b/i.test(
        t,
      )
        ? { maxResults: 5 }
        : null,
  },
  {
    tool: "openapi_dealer_create_payment",
    match: (t) => {
      const booking = BOOKING.exec(t);
      const amount = /(?:£|€)?\s?(\d+(?:\.\d{1,2})?)\s*(gbp|eur|usd|pounds?|euros?)?/i;
      if (!booking || !/\bpay\b/i.test(t)) return null;
      const m = amount.exec(t.replace(BOOKING, ""));
      if (!m) return null;
      const minor = Math.round(Number(m[1]) * 100);
      const currency = currencyOf(m[2], t);
      const method = /bank transfer/i.test(t)
        ? "bank_transfer"
        : /\bcard\b/i.test(t) || minor <= 200_000
          ? "card"
          : "bank_transfer";
      const kind = /\bbalance\b/i.test(t) ? "Balance" : "Deposit";
      return {
        body: {
          bookingId: booking[1],
          amount: { amountMinor: minor, currency },
          method,
          reference: `${kind} ${booking[1]!.slice(4, 16)}`,
        },
      };
    },
  },
  {
    tool: "openapi_dealer_create_booking",
    match: (t, now) => {
      const vehicle = VEHICLE.exec(t);
      const m = /\bbook (?:a |an )?(test drive|service|handover)\b/i.exec(t);
      if (!vehicle || !m) return null;
      return {
        body: {
          vehicleId: vehicle[1],
          type: m[1]!.toLowerCase().replace(" ", "_"),
          startsAt: startOf(t, now),
          customerName: customerName(t) ?? "Customer",
        },
      };
    },
  },
  {
    tool: "openapi_dealer_create_enquiry",
    match: (t) => {
      const vehicle = VEHICLE.exec(t);
      const email = EMAIL.exec(t);
      if (!/\benquir(?:y|e)\b/i.test(t) || !vehicle || !email) return null;
      const colon = t.indexOf(":");
      const said = colon >= 0 ? clean(t.slice(colon + 1)) : "";
      return {
        body: {
          vehicleId: vehicle[1],
          customer: { name: customerName(t) ?? email[1]!.split("@")[0]!, email: email[1] },
          message: (said || "Is this vehicle still available?").slice(0, 2000),
        },
      };
    },
  },
  {
    tool: "openapi_dealer_list_enquiries",
    match: (t) => (/\b(?:list|show)(?: me)? (?:all )?(?:my )?enquiries\b/i.test(t) ? {} : null),
  },
  {
    tool: "openapi_dealer_list_bookings",
    match: (t) => (/\b(?:list|show)(?: me)? (?:all )?(?:my )?bookings\b/i.test(t) ? {} : null),
  },
  {
    tool: "openapi_dealer_list_vehicles",
    match: (t) => {
      if (!/\b(?:list|show|find)\b.*\b(?:vehicles|cars|inventory|stock)\b/i.test(t)) return null;
      const fuel = /\b(electric|hybrid|diesel|petrol)\b/i.exec(t)?.[1]?.toLowerCase();
      return fuel ? { fuel } : {};
    },
  },
];

/** The first intent whose tool is available and whose phrasing matches, as a tool call. */
export function detectToolCall(
  text: string,
  tools: ModelTool[],
  now: Date = new Date(),
): ToolCallRequest | null {
  for (const intent of INTENTS) {
    const tool = tools.find((t) => t.name === intent.tool);
    if (!tool) continue;
    const args = intent.match(text, now);
    if (args) {
      return {
        type: "tool_call",
        serverLabel: tool.serverLabel,
        name: tool.name,
        arguments: JSON.stringify(args),
      };
    }
  }
  return null;
}

function currencyOf(word: string | undefined, text: string): string {
  const w = (word ?? "").toLowerCase();
  if (w.startsWith("eur") || text.includes("€")) return "EUR";
  if (w === "usd") return "USD"; // the dealer refuses it, and the answer says so
  return "GBP";
}

/** "for Ana Smith" → "Ana Smith" (capitalised words after "for"). */
function customerName(text: string): string | null {
  const m = /\bfor ((?:[A-Z][\w'-]+)(?: [A-Z][\w'-]+){0,3})/.exec(text);
  return m ? m[1]! : null;
}

/** "on 2030-05-01 at 14:30" → that time (UTC); no date → tomorrow; no time → 10:00 UTC. */
function startOf(text: string, now: Date): string {
  const date = /\b(\d{4}-\d{2}-\d{2})\b/.exec(text)?.[1];
  const time = /\bat (\d{1,2}):(\d{2})\b/.exec(text);
  const day = date ?? new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  const hh = String(time ? Number(time[1]) : 10).padStart(2, "0");
  return `${day}T${hh}:${time ? time[2] : "00"}:00Z`;
}
