import { expect, test } from "./fixtures";
import { goto, login, ready, USERS } from "./helpers";

test("a protected page asks to sign in and returns there afterwards", async ({ page }) => {
  await page.goto("/sites?status=active");
  await expect(page).toHaveURL(/\/login\?next=%2Fsites%3Fstatus%3Dactive$/);
  await ready(page);
  await page.fill("#username", USERS.viewer.username);
  await page.fill("#password", USERS.viewer.password);
  await page.click("button[type=submit]");
  await expect(page).toHaveURL(/\/sites\?status=active$/);
  await expect(page.getByRole("heading", { name: "Sites" })).toBeVisible();
});

test("a wrong password is refused with a message and keeps the username", async ({ page }) => {
  await goto(page, "/login");
  await page.fill("#username", USERS.editor.username);
  await page.fill("#password", "not-the-password");
  await page.click("button[type=submit]");
  await expect(page.getByRole("alert")).toContainText("username or password is not correct");
  await expect(page).toHaveURL(/\/login/);
  await expect(page.locator("#username")).toHaveValue(USERS.editor.username);
  // Still signed out.
  await page.goto("/devices");
  await expect(page).toHaveURL(/\/login/);
});

test("sign in, then sign out", async ({ page }) => {
  await login(page, "editor");
  await expect(page.locator(".user-name")).toContainText(USERS.editor.username);
  await page.click("button:has-text('Sign out')");
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
});
