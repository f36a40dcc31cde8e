import { expect, test } from "./fixtures";
import { goto, ready, USERS } from "./helpers";

// Runs first in each project, on a database without users.
test("first visit offers the one-time first-admin setup, then users are added", async ({ page }) => {
  await page.goto("/devices");
  await expect(page).toHaveURL(/\/setup$/);
  await ready(page);
  await expect(page.getByRole("heading", { name: "Welcome to Census" })).toBeVisible();

  // Mismatched passwords: a field error, nothing created.
  await page.fill("#username", USERS.admin.username);
  await page.fill("#password", USERS.admin.password);
  await page.fill("#confirm", "something-else");
  await page.click("button[type=submit]");
  await expect(page.locator("#err-confirm")).toContainText("do not match");
  await expect(page.locator("#username")).toHaveValue(USERS.admin.username);

  await page.fill("#password", USERS.admin.password);
  await page.fill("#confirm", USERS.admin.password);
  await page.click("button[type=submit]");
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();

  // Setup is offered once only.
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/$/);

  // An editor and a viewer for the other specs.
  for (const [who, role] of [["editor", "editor"], ["viewer", "viewer"]] as const) {
    await goto(page, "/users");
    await page.fill("#new-username", USERS[who].username);
    await page.fill("#new-password", USERS[who].password);
    await page.selectOption("#role", role);
    await page.click("button:has-text('Add user')");
    await expect(page).toHaveURL(/\/users\/\d+$/);
    await expect(page.getByRole("heading", { name: USERS[who].username })).toBeVisible();
  }
});
