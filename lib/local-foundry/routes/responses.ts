import type { Db } from "@/lib/db/client";
import { logger } from "@/lib/log";
import { errorResponse, LfError, notFound } from "../errors";
import { json, readBody } from "../http";
import type { LfContext, LfRoute } from "../router";
import { executeRun, type RunResult, type RunSetup, type Send } from "../run/execute";
import { events, sseFrame } from "../run/events";
import { prepareRun, recordOutcome } from "../run/prepare";
import { cancelRun, registerRun } from "../run/registry";
import { createResponseSchema } from "../schemas";
import type { Json } from "../shapes";
import { deleteResponse, getResponse, updateResponse } from "../store/responses";
import { ConnectionAccess } from "../connections/access";
import { httpGateway } from "../tools/client";

/** Responses belong to their caller, like conversations. */
export const responseRoutes: LfRoute[] = [
  { method: "POST", pattern: "/openai/v1/responses", handle: create },
  { method: "GET", pattern: "/openai/v1/responses/:id", handle: get },
  { method: "DELETE", pattern: "/openai/v1/responses/:id", handle: remove },
  { method: "POST", pattern: "/openai/v1/responses/:id/cancel", handle: cancel },
];

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

async function create({ db, req, principal, model }: LfContext): Promise<Response> {
  const body = await readBody(req, createResponseSchema);
  const prepared = await prepareRun(db, principal.userId, body);
  // MCP calls are made for the response's owner (their grants only), in the caller's trace.
  const access = new ConnectionAccess(db, principal.userId, prepared.seed.id);
  const gateway = httpGateway({
    userId: principal.userId,
    traceparent: req.headers.get("traceparent"),
    connectionHeaders: (tool) => access.headers(tool),
  });
  const setup: RunSetup = { ...prepared, model, gateway, access };
  // The run stops when the caller goes away (request aborted, stream cancelled) or on cancel.
  const controller = new AbortController();
  const abort = () => controller.abort(req.signal.reason);
  if (req.signal.aborted) abort();
  else req.signal.addEventListener("abort", abort, { once: true });
  const finish = <T>(p: Promise<T>) =>
    p.finally(() => req.signal.removeEventListener("abort", abort));
  const record = (r: RunResult) => recordOutcome(db, principal.userId, prepared.seed, r);

  if (body.stream) return streamRun(setup, controller, record, finish);

  const done = finish(
    executeRun(setup, () => undefined, controller.signal).then(async (r) => (await record(r), r)),
  );
  registerRun(prepared.seed.id, controller, done);
  const result = await done;
  if (result.status === "failed" && result.error) {
    const status = result.error.type === "invalid_request_error" ? 400 : 500;
    return errorResponse(
      new LfError(
        status,
        result.error.message,
        result.error.type as LfError["type"],
        result.error.code,
      ),
    );
  }
  return json(result.response);
}

function streamRun(
  setup: RunSetup,
  controller: AbortController,
  record: (r: RunResult) => Promise<void>,
  finish: <T>(p: Promise<T>) => Promise<T>,
): Response {
  const encoder = new TextEncoder();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let sequence = 0;
  const send: Send = (event) => {
    const frame = sseFrame({ ...event, sequence_number: sequence++ });
    if (!open) return;
    try {
      out.enqueue(encoder.encode(frame));
    } catch {
      open = false;
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      out = c;
    },
    cancel: () => {
      open = false;
      controller.abort(new Error("client disconnected"));
    },
  });

  const done = finish(
    (async () => {
      const result = await executeRun(setup, send, controller.signal);
      await record(result);
      for (const event of result.terminal) send(event);
    })(),
  )
    .catch((err) => {
      logger().error({ err, responseId: setup.seed.id }, "local response run failed");
      send(
        events.error({
          type: "server_error",
          code: "server_error",
          message: "The response could not be completed.",
        }),
      );
    })
    .finally(() => {
      if (!open) return;
      open = false;
      out.close();
    });
  registerRun(setup.seed.id, controller, done);
  return new Response(stream, { headers: SSE_HEADERS });
}

async function get({ db, params, principal }: LfContext) {
  const row = await getResponse(db, principal.userId, params.id!);
  if (!row) throw notFound(`Response '${params.id}'`);
  return json(row.body);
}

async function remove({ db, params, principal }: LfContext) {
  if (!(await deleteResponse(db, principal.userId, params.id!)))
    throw notFound(`Response '${params.id}'`);
  return json({ id: params.id, object: "response", deleted: true });
}

/**
 * Stops a running response. Idempotent: a response that already ended is returned as it is.
 * A response left `in_progress` by a process that is gone is marked cancelled here.
 */
async function cancel({ db, params, principal }: LfContext) {
  const row = await getResponse(db, principal.userId, params.id!);
  if (!row) throw notFound(`Response '${params.id}'`);
  if (row.status !== "in_progress") return json(row.body);
  if (!(await cancelRun(row.id))) await markCancelled(db, row.id, row.body as Json);
  const after = await getResponse(db, principal.userId, row.id);
  return json(after!.body);
}

async function markCancelled(db: Db, id: string, body: Json) {
  await updateResponse(db, id, "cancelled", { ...body, status: "cancelled" });
}
