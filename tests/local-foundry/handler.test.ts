import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { createLocalFoundryHandler } from "@/lib/local-foundry/handler";

/** Failures of the token check, before any route or database is touched. */
describe("createLocalFoundryHandler: authentication failures", () => {
  const handlerWith = (verify: (t: string) => Promise<never>) =>
    createLocalFoundryHandler({ basePath: "/local-foundry", verify, seed: false });
  const get = (h: ReturnType<typeof handlerWith>, auth?: string) =>
    h(
      new Request("http://localhost/local-foundry/agents", {
        headers: auth ? { authorization: auth } : {},
      }),
    );

  it("answers 401 when the verifier rejects the token, in OpenAI's error shape", async () => {
    const res = await get(
      handlerWith(async () =>
        Promise.reject(new AppError("unauthenticated", "The access token is not valid.")),
      ),
      "Bearer x",
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        message: "The access token is not valid.",
        type: "authentication_error",
        code: "invalid_token",
        param: null,
      },
    });
  });

  it("does not call the verifier without a bearer token", async () => {
    let called = false;
    const res = await get(
      handlerWith(async () => ((called = true), Promise.reject(new Error("unreachable")))),
      "Basic abc",
    );
    expect(res.status).toBe(401);
    expect(called).toBe(false);
  });

  it("answers 503 when tokens cannot be checked right now, and 500 without details for bugs", async () => {
    const down = await get(
      handlerWith(async () =>
        Promise.reject(new AppError("unavailable", "Sign-in cannot be checked right now.")),
      ),
      "Bearer x",
    );
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { type: "server_error" } });
    const bug = await get(
      handlerWith(async () => Promise.reject(new Error("secret internals"))),
      "Bearer x",
    );
    expect(bug.status).toBe(500);
    expect(await bug.text()).not.toContain("secret internals");
  });
});
