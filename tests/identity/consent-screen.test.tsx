// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ConsentView } from "@/app/local-idp/authorize/ConsentView";
import { findDemoUser } from "@/lib/identity/local-idp/users";

afterEach(cleanup);

describe("the local IdP's consent screen", () => {
  it("names the user, the app and the permissions in words, with Allow and Deny buttons", () => {
    render(
      <ConsentView
        formToken="tok"
        user={findDemoUser("alice")!}
        appName="Foundry Agent Chat local agent service"
        scopes={["api://x/access_as_user", "offline_access"]}
      />,
    );
    expect(screen.getByRole("heading", { name: "Permission requested" })).toBeTruthy();
    expect(screen.getByText("Alice Anderson")).toBeTruthy();
    expect(screen.getByText("Foundry Agent Chat local agent service")).toBeTruthy();
    const list = screen.getByRole("list", { name: "Requested permissions" });
    const items = within(list)
      .getAllByRole("listitem")
      .map((li) => li.textContent);
    expect(items[0]).toContain("call them in your name");
    expect(items[1]).toContain("when you are not using the app");
    const allow = screen.getByRole("button", { name: "Allow" }) as HTMLButtonElement;
    const deny = screen.getByRole("button", { name: "Deny" }) as HTMLButtonElement;
    expect([allow.name, allow.value, deny.name, deny.value]).toEqual([
      "decision",
      "allow",
      "decision",
      "deny",
    ]);
    expect(allow.form?.getAttribute("action")).toBe("/local-idp/authorize/consent");
    expect(allow.form?.getAttribute("method")).toBe("post");
    // Only one user: no account can be picked.
    expect(screen.queryByRole("button", { name: /Sign in as/ })).toBeNull();
  });
});
