import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sandboxOutbox, sandboxPlannerTasks } from "@/lib/db/schema";
import { outlookSendMail } from "@/mcp-server/catalog/tools/outlook-send-mail";
import { plannerCreateTask } from "@/mcp-server/catalog/tools/planner-create-task";
import { plannerDeleteTask } from "@/mcp-server/catalog/tools/planner-delete-task";
import { plannerGetTask } from "@/mcp-server/catalog/tools/planner-get-task";
import { plannerListTasks } from "@/mcp-server/catalog/tools/planner-list-tasks";
import { plannerUpdateTask } from "@/mcp-server/catalog/tools/planner-update-task";
import { teamsPostMessage } from "@/mcp-server/catalog/tools/teams-post-message";
import { connect, ctx, principal, setupMemoryDb, toolError } from "./helpers";

const db = setupMemoryDb();

async function connected(name: string) {
  const p = principal(name);
  await connect(p, "graph");
  return p;
}

const TEAM = "3f1c7d2a-5b6e-4c8d-9a0b-1c2d3e4f5a6b";
const CHANNEL = "19:a1b2c3d4e5f6@thread.tacv2";

describe("planner tools", () => {
  it("lists seeded tasks soonest due first, filters by plan and status", async () => {
    const p = await connected("lister");
    const { tasks } = await plannerListTasks.run({}, ctx(p));
    expect(tasks.length).toBe(4);
    const due = tasks.map((t) => t.dueDateTime!);
    expect([...due].sort()).toEqual(due);
    const pipeline = await plannerListTasks.run({ planId: "sales-pipeline" }, ctx(p));
    expect(pipeline.tasks.every((t) => t.planId === "sales-pipeline")).toBe(true);
    const done = await plannerListTasks.run({ status: "completed" }, ctx(p));
    expect(done.tasks.map((t) => t.percentComplete)).toEqual([100]);
    expect((await plannerListTasks.run({ top: 1 }, ctx(p))).tasks).toHaveLength(1);
    expect((await toolError(plannerListTasks, { planId: "someone-elses-plan" }, ctx(p))).code).toBe(
      "not_found",
    );
  });

  it("creates, gets, updates with etag and deletes a task", async () => {
    const p = await connected("crud");
    const created = await plannerCreateTask.run(
      {
        title: "Order winter tyres for demo fleet",
        dueDateTime: "2030-11-01T17:00:00Z",
        priority: 3,
        notes: "Ask for 12 sets.",
      },
      ctx(p),
    );
    expect(created).toMatchObject({
      planId: "personal",
      title: "Order winter tyres for demo fleet",
      status: "notStarted",
      priority: 3,
      percentComplete: 0,
    });
    expect(created.dueDateTime).toBe("2030-11-01T17:00:00.000Z");
    const [row] = await db
      .handle()
      .db.select()
      .from(sandboxPlannerTasks)
      .where(eq(sandboxPlannerTasks.id, created.id));
    expect(row).toMatchObject({ userId: p.userId, title: "Order winter tyres for demo fleet" });

    const got = await plannerGetTask.run({ taskId: created.id }, ctx(p));
    expect(got).toEqual(created);

    const updated = await plannerUpdateTask.run(
      {
        taskId: created.id,
        etag: created.etag,
        percentComplete: 50,
        title: "Order winter tyres (12 sets)",
      },
      ctx(p),
    );
    expect(updated).toMatchObject({
      percentComplete: 50,
      status: "inProgress",
      title: "Order winter tyres (12 sets)",
      priority: 3,
      notes: "Ask for 12 sets.",
    });
    expect(updated.etag).not.toBe(created.etag);

    // A stale etag is refused and changes nothing.
    const stale = await toolError(
      plannerUpdateTask,
      { taskId: created.id, etag: created.etag, percentComplete: 100 },
      ctx(p),
    );
    expect(stale.code).toBe("conflict");
    expect((await plannerGetTask.run({ taskId: created.id }, ctx(p))).percentComplete).toBe(50);
    expect(
      (await toolError(plannerDeleteTask, { taskId: created.id, etag: created.etag }, ctx(p))).code,
    ).toBe("conflict");

    const deleted = await plannerDeleteTask.run({ taskId: created.id, etag: updated.etag }, ctx(p));
    expect(deleted).toEqual({
      id: created.id,
      deleted: true,
      title: "Order winter tyres (12 sets)",
    });
    expect((await toolError(plannerGetTask, { taskId: created.id }, ctx(p))).code).toBe(
      "not_found",
    );
    expect((await toolError(plannerDeleteTask, { taskId: created.id }, ctx(p))).code).toBe(
      "not_found",
    );
  });

  it.each([
    ["an empty title", { title: "" }],
    ["a blank title", { title: "   " }],
    ["a title over 255 characters", { title: "t".repeat(256) }],
    ["percentComplete over 100", { title: "x", percentComplete: 101 }],
    ["a priority over 10", { title: "x", priority: 11 }],
    ["a date that is not ISO 8601", { title: "x", dueDateTime: "next friday" }],
    [
      "a start after the due date",
      { title: "x", startDateTime: "2030-01-02T00:00:00Z", dueDateTime: "2030-01-01T00:00:00Z" },
    ],
  ])("refuses to create a task with %s", async (_l, input) => {
    const p = await connected("badtask");
    expect((await toolError(plannerCreateTask, input, ctx(p))).code).toBe("invalid_arguments");
  });

  it("refuses an update that changes nothing", async () => {
    const p = await connected("noop");
    const [t] = (await plannerListTasks.run({}, ctx(p))).tasks;
    expect((await toolError(plannerUpdateTask, { taskId: t!.id }, ctx(p))).code).toBe(
      "invalid_arguments",
    );
  });

  it("one user's tasks are never visible or changeable by another (not_found)", async () => {
    const a = await connected("ownerA");
    const b = await connected("ownerB");
    const mine = await plannerCreateTask.run({ title: "A's private task" }, ctx(a));
    const bTasks = await plannerListTasks.run({ top: 100 }, ctx(b));
    expect(bTasks.tasks.map((t) => t.id)).not.toContain(mine.id);
    expect(bTasks.tasks.map((t) => t.title)).not.toContain("A's private task");
    for (const [tool, input] of [
      [plannerGetTask, { taskId: mine.id }],
      [plannerUpdateTask, { taskId: mine.id, title: "hijacked" }],
      [plannerDeleteTask, { taskId: mine.id }],
    ] as const) {
      expect((await toolError(tool, input, ctx(b))).code).toBe("not_found");
    }
    expect((await plannerGetTask.run({ taskId: mine.id }, ctx(a))).title).toBe("A's private task");
  });

  it("needs a Microsoft 365 connection", async () => {
    const err = await toolError(plannerListTasks, {}, ctx(principal("nograph")));
    expect(err).toMatchObject({ code: "auth_required", details: { provider: "graph" } });
  });
});

describe("outlook_send_mail", () => {
  it("sends and lands an outbox row", async () => {
    const p = await connected("outlooker");
    const out = await outlookSendMail.run(
      {
        to: ["tom.becker@example.org"],
        cc: ["finance@contoso-motors.example"],
        subject: "Your HP quote",
        body: "<p>Attached.</p>",
        bodyType: "html",
        importance: "high",
      },
      ctx(p),
    );
    expect(out.status).toBe("accepted");
    const [row] = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.id, out.internetMessageId));
    expect(row).toMatchObject({
      userId: p.userId,
      channel: "outlook",
      from: p.username,
      subject: "Your HP quote",
      status: "accepted",
    });
    expect(row!.metadata).toMatchObject({ bodyType: "html", importance: "high" });
  });

  it.each([
    ["a bad address", { to: ["tom@"], subject: "s", body: "b" }],
    ["no recipient", { to: [], subject: "s", body: "b" }],
    [
      "a subject over 255 characters",
      { to: ["a@example.com"], subject: "s".repeat(256), body: "b" },
    ],
    ["a subject with a line break", { to: ["a@example.com"], subject: "a\nb", body: "b" }],
  ])("refuses %s", async (_l, input) => {
    const p = await connected("badoutlook");
    expect((await toolError(outlookSendMail, input, ctx(p))).code).toBe("invalid_arguments");
    expect(
      await db.handle().db.select().from(sandboxOutbox).where(eq(sandboxOutbox.userId, p.userId)),
    ).toHaveLength(0);
  });
});

describe("teams_post_message", () => {
  it("posts and returns an id and a link to the message", async () => {
    const p = await connected("teamster");
    const out = await teamsPostMessage.run(
      {
        teamId: TEAM,
        channelId: CHANNEL,
        content: "Northwind fleet deal closed 🎉",
        subject: "Win",
      },
      ctx(p),
    );
    expect(out.id).toMatch(/^\d{13,}$/);
    expect(out.webUrl).toBe(
      `https://teams.microsoft.com/l/message/${encodeURIComponent(CHANNEL)}/${out.id}?groupId=${TEAM}`,
    );
    const rows = await db
      .handle()
      .db.select()
      .from(sandboxOutbox)
      .where(eq(sandboxOutbox.userId, p.userId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      channel: "teams",
      body: "Northwind fleet deal closed 🎉",
      status: "posted",
    });
  });

  it.each([
    ["a team id that is not a GUID", { teamId: "sales", channelId: CHANNEL, content: "x" }],
    ["a malformed channel id", { teamId: TEAM, channelId: "general", content: "x" }],
    ["empty content", { teamId: TEAM, channelId: CHANNEL, content: "" }],
    [
      "content over 28000 characters",
      { teamId: TEAM, channelId: CHANNEL, content: "x".repeat(28_001) },
    ],
  ])("refuses %s", async (_l, input) => {
    const p = await connected("badteams");
    expect((await toolError(teamsPostMessage, input, ctx(p))).code).toBe("invalid_arguments");
  });
});
