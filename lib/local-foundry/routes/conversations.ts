import { prefixedId } from "@/lib/ids";
import { notFound } from "../errors";
import { json, readBody } from "../http";
import { normalizeItem } from "../items";
import type { LfContext, LfRoute } from "../router";
import { createConversationSchema, createItemsSchema } from "../schemas";
import { conversationJson, listJson } from "../shapes";
import {
  allItems,
  appendItems,
  deleteConversation,
  getConversation,
  getItem,
  insertConversation,
  lockConversation,
} from "../store/conversations";
import { pageQuery, paginate } from "../store/db";

/** Conversations belong to the caller that created them; for anyone else they do not exist (404). */
export const conversationRoutes: LfRoute[] = [
  { method: "POST", pattern: "/openai/v1/conversations", handle: create },
  { method: "GET", pattern: "/openai/v1/conversations/:id", handle: get },
  { method: "DELETE", pattern: "/openai/v1/conversations/:id", handle: remove },
  { method: "GET", pattern: "/openai/v1/conversations/:id/items", handle: listItems },
  { method: "POST", pattern: "/openai/v1/conversations/:id/items", handle: addItems },
  { method: "GET", pattern: "/openai/v1/conversations/:id/items/:itemId", handle: getOneItem },
];

async function create({ db, req, principal }: LfContext) {
  const body = await readBody(req, createConversationSchema);
  const items = (body.items ?? []).map(normalizeItem);
  const row = await db.transaction(async (tx) => {
    const c = await insertConversation(tx, {
      id: prefixedId("conv"),
      ownerId: principal.userId,
      metadata: body.metadata ?? null,
    });
    await appendItems(tx, c.id, items);
    return c;
  });
  return json(conversationJson(row));
}

async function get({ db, params, principal }: LfContext) {
  const row = await getConversation(db, principal.userId, params.id!);
  if (!row) throw notFound(`Conversation '${params.id}'`);
  return json(conversationJson(row));
}

async function remove({ db, params, principal }: LfContext) {
  if (!(await deleteConversation(db, principal.userId, params.id!)))
    throw notFound(`Conversation '${params.id}'`);
  return json({ object: "conversation.deleted", deleted: true, id: params.id });
}

async function listItems({ db, url, params, principal }: LfContext) {
  if (!(await getConversation(db, principal.userId, params.id!)))
    throw notFound(`Conversation '${params.id}'`);
  const page = paginate(await allItems(db, params.id!), pageQuery(url), (i) => String(i.id));
  return json(listJson(page.data, page.hasMore));
}

async function addItems({ db, req, params, principal }: LfContext) {
  const body = await readBody(req, createItemsSchema);
  const items = body.items.map(normalizeItem);
  await db.transaction(async (tx) => {
    if (!(await lockConversation(tx, principal.userId, params.id!)))
      throw notFound(`Conversation '${params.id}'`);
    await appendItems(tx, params.id!, items);
  });
  return json(listJson(items, false));
}

async function getOneItem({ db, params, principal }: LfContext) {
  if (!(await getConversation(db, principal.userId, params.id!)))
    throw notFound(`Conversation '${params.id}'`);
  const item = await getItem(db, params.id!, params.itemId!);
  if (!item) throw notFound(`Item '${params.itemId}'`);
  return json(item);
}
