import { HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { resetConfig } from "@/lib/config";
import { plannerCreateTask } from "@/mcp-server/catalog/tools/planner-create-task";
import { plannerDeleteTask } from "@/mcp-server/catalog/tools/planner-delete-task";
import { plannerGetTask } from "@/mcp-server/catalog/tools/planner-get-task";
import { plannerListTasks } from "@/mcp-server/catalog/tools/planner-list-tasks";
import { plannerUpdateTask } from "@/mcp-server/catalog/tools/planner-update-task";
import { connect, ctx, setupMemoryDb, toolError } from "../../tools/helpers";
import {
  DEFAULT_PLAN,
  empty,
  entraUser,
  GRAPH,
  graphError,
  graphRequests,
  issuedTokens,
  json,
  onGraph,
  setupLiveGraph,
} from "./fake";

setupLiveGraph();
setupMemoryDb();

const ID = "pqrSTU1234567890abcdefghijkl";
const ETAG = 'W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAWCc="';
const NEW_ETAG = 'W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAWSc="';
const DETAILS_ETAG = 'W/"JzEtVGFza0RldGFpbHMgQEBAQEBAQEBAQEBAQEBARCc="';

/** A plannerTask as Graph returns it. */
function graphTask(over: Record<string, unknown> = {}) {
  return {
    "@odata.etag": ETAG,
    planId: DEFAULT_PLAN,
    bucketId: "hsOf2dhOJkqyYYZEtdzDe2QAIUCR",
    title: "Prepare HP quote for Tom Becker",
    orderHint: "8585269241124017677P!",
    assigneePriority: "",
    percentComplete: 50,
    priority: 3,
    startDateTime: null,
    dueDateTime: "2030-06-03T17:00:00Z",
    createdDateTime: "2030-06-01T08:00:00.1234567Z",
    completedDateTime: null,
    hasDescription: false,
    previewType: "automatic",
    referenceCount: 0,
    checklistItemCount: 0,
    activeChecklistItemCount: 0,
    conversationThreadId: null,
    appliedCategories: {},
    assignments: {},
    id: ID,
    ...over,
  };
}

async function connected(name: string) {
  const p = entraUser(name);
  await connect(p, "graph");
  return p;
}

const seen = (i: number) => graphRequests[i]!;
const bearer = () => `Bearer ${issuedTokens.at(-1)}`;

describe("planner_list_tasks on Microsoft Graph", () => {
  it("lists_the_users_tasks_from_me_planner_tasks_following_next_links_sorted_and_filtered", async () => {
    const p = await connected("lister");
    onGraph("get", "/me/planner/tasks", ({ request }) => {
      const url = new URL(request.url);
      if (url.searchParams.get("$skiptoken") === "page2")
        return HttpResponse.json({
          value: [
            graphTask({ id: "t3", title: "No due date", dueDateTime: null, percentComplete: 0 }),
          ],
        });
      return HttpResponse.json({
        "@odata.context": `${GRAPH}/$metadata#Collection(microsoft.graph.plannerTask)`,
        "@odata.nextLink": `${GRAPH}/me/planner/tasks?$skiptoken=page2`,
        value: [
          graphTask({ id: "t1", title: "Later", dueDateTime: "2030-06-09T17:00:00Z" }),
          graphTask({
            id: "t2",
            title: "Done soon",
            dueDateTime: "2030-06-02T17:00:00Z",
            percentComplete: 100,
            completedDateTime: "2030-06-02T09:30:00Z",
          }),
        ],
      });
    });
    const { tasks } = await plannerListTasks.run({}, ctx(p));
    expect(graphRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /v1.0/me/planner/tasks",
      "GET /v1.0/me/planner/tasks?$skiptoken=page2",
    ]);
    expect(seen(0).headers.authorization).toBe(bearer());
    expect(seen(0).headers["client-request-id"]).toBe("0af76519-16cd-43dd-8448-eb211c80319c");
    expect(tasks.map((t) => t.id)).toEqual(["t2", "t1", "t3"]);
    expect(tasks[0]).toEqual({
      id: "t2",
      planId: DEFAULT_PLAN,
      bucketId: "hsOf2dhOJkqyYYZEtdzDe2QAIUCR",
      title: "Done soon",
      percentComplete: 100,
      status: "completed",
      priority: 3,
      dueDateTime: "2030-06-02T17:00:00.000Z",
      createdDateTime: "2030-06-01T08:00:00.123Z",
      lastModifiedDateTime: "2030-06-02T09:30:00.000Z",
      etag: ETAG,
    });

    graphRequests.length = 0;
    const open = await plannerListTasks.run({ status: "inProgress", top: 1 }, ctx(p));
    expect(open.tasks.map((t) => t.id)).toEqual(["t1"]);
  });

  it("lists_one_plan_from_planner_plans_id_tasks_and_personal_means_the_default_plan", async () => {
    const p = await connected("planner");
    onGraph("get", "/planner/plans/:plan/tasks", json({ value: [graphTask()] }));
    await plannerListTasks.run({ planId: "Other-plan_123" }, ctx(p));
    await plannerListTasks.run({ planId: "personal" }, ctx(p));
    expect(graphRequests.map((r) => r.path)).toEqual([
      "/v1.0/planner/plans/Other-plan_123/tasks",
      `/v1.0/planner/plans/${DEFAULT_PLAN}/tasks`,
    ]);
  });

  it("an_unknown_plan_is_not_found", async () => {
    const p = await connected("noplan");
    onGraph(
      "get",
      "/planner/plans/:plan/tasks",
      graphError(404, "NotFound", "The requested item is not found."),
    );
    const err = await toolError(plannerListTasks, { planId: "missing-plan" }, ctx(p));
    expect(err.code).toBe("not_found");
    expect(err.message).toBe("Plan missing-plan was not found.");
  });
});

describe("planner_get_task on Microsoft Graph", () => {
  it("reads_the_task_and_its_details_for_the_notes", async () => {
    const p = await connected("getter");
    onGraph("get", `/planner/tasks/${ID}`, json(graphTask({ hasDescription: true })));
    onGraph(
      "get",
      `/planner/tasks/${ID}/details`,
      json({ "@odata.etag": DETAILS_ETAG, description: "Ask for 12 sets.", checklist: {} }),
    );
    const task = await plannerGetTask.run({ taskId: ID }, ctx(p));
    expect(graphRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1.0/planner/tasks/${ID}`,
      `GET /v1.0/planner/tasks/${ID}/details`,
    ]);
    expect(task).toMatchObject({
      id: ID,
      notes: "Ask for 12 sets.",
      status: "inProgress",
      etag: ETAG,
    });
  });

  it("maps_404_403_400_and_5xx", async () => {
    const p = await connected("errors");
    const cases: [number, string, string][] = [
      [404, "NotFound", "not_found"],
      [403, "Forbidden", "forbidden"],
      [400, "BadRequest", "invalid_arguments"],
      [500, "InternalServerError", "provider_error"],
    ];
    for (const [status, code, ours] of cases) {
      onGraph("get", `/planner/tasks/${ID}`, graphError(status, code, `Graph said ${code}.`));
      const err = await toolError(plannerGetTask, { taskId: ID }, ctx(p));
      expect(err.code, `HTTP ${status}`).toBe(ours);
      if (status === 404) expect(err.message).toBe(`Task ${ID} was not found.`);
      if (status === 403 || status === 400)
        expect(err.message).toContain(`${code}: Graph said ${code}.`);
      if (status === 500) expect(err.details).toMatchObject({ retriable: true, provider: "graph" });
    }
  });
});

describe("planner_create_task on Microsoft Graph", () => {
  it("posts_the_documented_body_to_the_default_plan_assigned_to_the_caller", async () => {
    const p = await connected("creator");
    onGraph(
      "post",
      "/planner/tasks",
      json(graphTask({ title: "Order winter tyres", percentComplete: 0, priority: 3 }), 201),
    );
    const task = await plannerCreateTask.run(
      {
        title: "  Order winter tyres ",
        priority: 3,
        dueDateTime: "2030-11-01T18:00:00+01:00",
      },
      ctx(p),
    );
    expect(graphRequests).toHaveLength(1);
    expect(seen(0)).toMatchObject({ method: "POST", path: "/v1.0/planner/tasks" });
    expect(seen(0).headers["content-type"]).toBe("application/json");
    expect(seen(0).headers.authorization).toBe(bearer());
    expect(seen(0).body).toEqual({
      planId: DEFAULT_PLAN,
      title: "Order winter tyres",
      priority: 3,
      dueDateTime: "2030-11-01T17:00:00.000Z",
      assignments: {
        [p.userId]: { "@odata.type": "#microsoft.graph.plannerAssignment", orderHint: " !" },
      },
    });
    expect(task).toMatchObject({ id: ID, title: "Order winter tyres", status: "notStarted" });
  });

  it("writes_notes_to_the_details_with_if_match_and_returns_the_tasks_current_etag", async () => {
    const p = await connected("noter");
    onGraph("post", "/planner/tasks", json(graphTask({ percentComplete: 0 }), 201));
    onGraph(
      "get",
      `/planner/tasks/${ID}/details`,
      json({ "@odata.etag": DETAILS_ETAG, description: "" }),
    );
    onGraph(
      "patch",
      `/planner/tasks/${ID}/details`,
      json({ "@odata.etag": 'W/"details-2"', description: "Ask for 12 sets." }),
    );
    onGraph(
      "get",
      `/planner/tasks/${ID}`,
      json(graphTask({ "@odata.etag": NEW_ETAG, hasDescription: true })),
    );
    const task = await plannerCreateTask.run(
      { title: "Order winter tyres", planId: "plan-B", notes: "Ask for 12 sets." },
      ctx(p),
    );
    expect(graphRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1.0/planner/tasks",
      `GET /v1.0/planner/tasks/${ID}/details`,
      `PATCH /v1.0/planner/tasks/${ID}/details`,
      `GET /v1.0/planner/tasks/${ID}`,
    ]);
    expect((seen(0).body as { planId: string }).planId).toBe("plan-B");
    expect(seen(0).body).not.toHaveProperty("notes");
    expect(seen(2).headers["if-match"]).toBe(DETAILS_ETAG);
    expect(seen(2).headers.prefer).toBeUndefined();
    expect(seen(2).body).toEqual({ description: "Ask for 12 sets." });
    expect(task).toMatchObject({ notes: "Ask for 12 sets.", etag: NEW_ETAG });
  });

  it("a_created_task_whose_notes_fail_says_so_instead_of_inviting_a_duplicate", async () => {
    const p = await connected("halfway");
    onGraph("post", "/planner/tasks", json(graphTask(), 201));
    onGraph("get", `/planner/tasks/${ID}/details`, json({ "@odata.etag": DETAILS_ETAG }));
    onGraph(
      "patch",
      `/planner/tasks/${ID}/details`,
      graphError(500, "InternalServerError", "Something went wrong."),
    );
    const err = await toolError(plannerCreateTask, { title: "T", notes: "N" }, ctx(p));
    expect(err.code).toBe("provider_error");
    expect(err.message).toMatch(new RegExp(`Task ${ID} was created.*do not create the task again`));
    expect(err.details.retriable).toBe(false);
  });

  it("refuses_what_graph_would_refuse_before_calling_it", async () => {
    const p = await connected("checker");
    const blank = await toolError(plannerCreateTask, { title: "   " }, ctx(p));
    expect(blank.code).toBe("invalid_arguments");
    const dates = await toolError(
      plannerCreateTask,
      { title: "T", startDateTime: "2030-01-02T00:00:00Z", dueDateTime: "2030-01-01T00:00:00Z" },
      ctx(p),
    );
    expect(dates.code).toBe("invalid_arguments");
    expect(graphRequests).toHaveLength(0);
  });

  it("without_a_plan_id_or_a_configured_default_it_asks_for_one", async () => {
    const p = await connected("nodefault");
    const saved = process.env.GRAPH_PLANNER_DEFAULT_PLAN_ID;
    delete process.env.GRAPH_PLANNER_DEFAULT_PLAN_ID;
    resetConfig();
    try {
      const err = await toolError(plannerCreateTask, { title: "T" }, ctx(p));
      expect(err.code).toBe("invalid_arguments");
      expect(err.message).toMatch(/GRAPH_PLANNER_DEFAULT_PLAN_ID/);
      expect(graphRequests).toHaveLength(0);
    } finally {
      process.env.GRAPH_PLANNER_DEFAULT_PLAN_ID = saved;
      resetConfig();
    }
  });
});

describe("planner_update_task on Microsoft Graph", () => {
  it("patches_only_the_given_fields_with_the_callers_etag_and_returns_the_representation", async () => {
    const p = await connected("updater");
    onGraph(
      "patch",
      `/planner/tasks/${ID}`,
      json(graphTask({ "@odata.etag": NEW_ETAG, percentComplete: 100, title: "Quote sent" })),
    );
    onGraph(
      "get",
      `/planner/tasks/${ID}/details`,
      json({ "@odata.etag": DETAILS_ETAG, description: "Solace PHEV" }),
    );
    const task = await plannerUpdateTask.run(
      { taskId: ID, etag: ETAG, percentComplete: 100, title: "Quote sent" },
      ctx(p),
    );
    expect(seen(0)).toMatchObject({ method: "PATCH", path: `/v1.0/planner/tasks/${ID}` });
    expect(seen(0).headers["if-match"]).toBe(ETAG);
    expect(seen(0).headers.prefer).toBe("return=representation");
    expect(seen(0).body).toEqual({ title: "Quote sent", percentComplete: 100 });
    expect(task).toMatchObject({
      title: "Quote sent",
      status: "completed",
      etag: NEW_ETAG,
      notes: "Solace PHEV",
    });
  });

  it("without_an_etag_reads_the_current_one_first", async () => {
    const p = await connected("reader");
    onGraph("get", `/planner/tasks/${ID}`, json(graphTask()));
    // Graph may answer 204 (no representation): the adapter reads the task back.
    onGraph("patch", `/planner/tasks/${ID}`, empty(204));
    onGraph("get", `/planner/tasks/${ID}/details`, json({ "@odata.etag": DETAILS_ETAG }));
    await plannerUpdateTask.run({ taskId: ID, priority: 1 }, ctx(p));
    expect(graphRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v1.0/planner/tasks/${ID}`,
      `PATCH /v1.0/planner/tasks/${ID}`,
      `GET /v1.0/planner/tasks/${ID}`,
      `GET /v1.0/planner/tasks/${ID}/details`,
    ]);
    expect(seen(1).headers["if-match"]).toBe(ETAG);
    expect(seen(1).body).toEqual({ priority: 1 });
  });

  it("a_412_is_a_conflict_saying_someone_changed_the_task", async () => {
    const p = await connected("racer");
    onGraph(
      "patch",
      `/planner/tasks/${ID}`,
      graphError(412, "PreconditionFailed", "The request is not valid for the current state."),
    );
    const err = await toolError(
      plannerUpdateTask,
      { taskId: ID, etag: 'W/"stale"', title: "Mine" },
      ctx(p),
    );
    expect(err.code).toBe("conflict");
    expect(err.message).toMatch(/changed by someone else since it was read/);
    expect(seen(0).headers["if-match"]).toBe('W/"stale"');
    expect(graphRequests).toHaveLength(1);
  });

  it("notes_only_with_a_stale_etag_is_a_conflict_and_nothing_is_written", async () => {
    const p = await connected("notesonly");
    onGraph("get", `/planner/tasks/${ID}`, json(graphTask()));
    const err = await toolError(
      plannerUpdateTask,
      { taskId: ID, etag: 'W/"stale"', notes: "New notes" },
      ctx(p),
    );
    expect(err.code).toBe("conflict");
    expect(graphRequests.map((r) => r.method)).toEqual(["GET"]);
  });

  it("a_failure_after_part_of_the_change_was_written_does_not_claim_nothing_happened", async () => {
    const p = await connected("partial");
    onGraph("patch", `/planner/tasks/${ID}`, json(graphTask({ "@odata.etag": NEW_ETAG })));
    onGraph("get", `/planner/tasks/${ID}/details`, json({ "@odata.etag": DETAILS_ETAG }));
    onGraph(
      "patch",
      `/planner/tasks/${ID}/details`,
      graphError(412, "PreconditionFailed", "The request is not valid for the current state."),
    );
    const err = await toolError(
      plannerUpdateTask,
      { taskId: ID, etag: ETAG, title: "New title", notes: "New notes" },
      ctx(p),
    );
    // Not `conflict` (which the MCP core reads as "refused before acting"): the title changed.
    expect(err.code).toBe("provider_error");
    expect(err.message).toMatch(new RegExp(`Task ${ID} was changed, but the rest`));
    expect(err.details.retriable).toBe(false);
    expect(graphRequests.map((r) => r.method)).toEqual(["PATCH", "GET", "PATCH"]);
  });

  it("an_update_must_change_something", async () => {
    const p = await connected("nothing");
    expect((await toolError(plannerUpdateTask, { taskId: ID }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
    expect(graphRequests).toHaveLength(0);
  });
});

describe("planner_delete_task on Microsoft Graph", () => {
  it("deletes_with_if_match_and_answers_with_the_title", async () => {
    const p = await connected("deleter");
    onGraph("get", `/planner/tasks/${ID}`, json(graphTask()));
    onGraph("delete", `/planner/tasks/${ID}`, empty(204));
    const out = await plannerDeleteTask.run({ taskId: ID }, ctx(p));
    expect(out).toEqual({ id: ID, deleted: true, title: "Prepare HP quote for Tom Becker" });
    expect(seen(1)).toMatchObject({ method: "DELETE", path: `/v1.0/planner/tasks/${ID}` });
    expect(seen(1).headers["if-match"]).toBe(ETAG);
    expect(seen(1).headers.authorization).toBe(bearer());
  });

  it("the_callers_etag_goes_in_if_match_and_412_is_a_conflict", async () => {
    const p = await connected("deleter2");
    onGraph("get", `/planner/tasks/${ID}`, json(graphTask()));
    onGraph(
      "delete",
      `/planner/tasks/${ID}`,
      graphError(412, "PreconditionFailed", "The request is not valid for the current state."),
    );
    const err = await toolError(plannerDeleteTask, { taskId: ID, etag: 'W/"old"' }, ctx(p));
    expect(err.code).toBe("conflict");
    expect(seen(1).headers["if-match"]).toBe('W/"old"');
  });
});
