import { prefixedId } from "@/lib/ids";
import { assistantMessage, type Json, type ResponseSeed } from "../shapes";
import type { UrlCitation } from "../model/types";
import { events } from "./events";

export type Send = (event: Json) => void;

/**
 * The output items of one response in order. Items are produced one after another (never
 * interleaved), so an item's output index is the number of items before it.
 */
export class Output {
  readonly items: Json[] = [];
  private open: MessageBuilder | null = null;

  constructor(
    readonly seed: ResponseSeed,
    readonly send: Send,
  ) {}

  get nextIndex(): number {
    return this.items.length;
  }

  /** Announces an item (output_item.added) and returns its index. */
  add(item: Json): number {
    const index = this.items.length;
    this.send(events.itemAdded(item, index));
    return index;
  }

  /** Finishes the item at `index` (output_item.done) and keeps it. */
  done(item: Json, index: number): void {
    this.send(events.itemDone(item, index));
    this.items[index] = item;
  }

  message(): MessageBuilder {
    this.open = new MessageBuilder(this);
    return this.open;
  }

  closeMessage(): void {
    this.open = null;
  }

  /** What a failed or cancelled response shows: the finished items and any partial message. */
  partial(): Json[] {
    const open = this.open?.partial() ?? [];
    return [...this.items.filter(Boolean), ...open];
  }
}

/** One assistant message, announced on its first chunk (or when finished empty). */
export class MessageBuilder {
  readonly id = prefixedId("msg");
  text = "";
  private index = -1;
  private readonly annotations: UrlCitation[] = [];

  constructor(private readonly out: Output) {}

  get started(): boolean {
    return this.index >= 0;
  }

  item(status: "in_progress" | "completed" | "incomplete"): Json {
    return assistantMessage({
      id: this.id,
      responseId: this.out.seed.id,
      agent: this.out.seed.agent,
      text: status === "in_progress" ? null : this.text,
      status,
      annotations: status === "in_progress" ? [] : this.annotations.map((a) => ({ ...a })),
    });
  }

  append(chunk: string): void {
    this.start();
    this.text += chunk;
    this.out.send(events.textDelta(this.id, this.index, chunk));
  }

  annotate(citation: UrlCitation): void {
    this.annotations.push(citation);
  }

  /** output_text.done carries the text only; the part and the item carry the annotations. */
  finish(): Json {
    this.start();
    const { send } = this.out;
    send(events.textDone(this.id, this.index, this.text));
    send(
      events.partDone(
        this.id,
        this.index,
        this.text,
        this.annotations.map((a) => ({ ...a })),
      ),
    );
    const item = this.item("completed");
    this.out.done(item, this.index);
    this.out.closeMessage();
    return item;
  }

  partial(): Json[] {
    return this.started ? [this.item("incomplete")] : [];
  }

  private start(): void {
    if (this.started) return;
    this.index = this.out.add(this.item("in_progress"));
    this.out.send(events.partAdded(this.id, this.index));
  }
}
