import { expect, test } from "./fixtures";
import { bearer, goto, login, ready, uniq } from "./helpers";

test("an editor's API token is shown once, reads and writes as the editor, and stops working when revoked", async ({
  page,
  request,
}) => {
  const info = test.info();
  const description = uniq("backup script", info);
  await login(page, "editor");
  await goto(page, "/tokens");
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  // Only admins choose whom a token is for.
  await expect(page.locator("#user_id")).toHaveCount(0);
  await page.fill("#description", description);
  await page.getByRole("button", { name: "Create token" }).click();

  const secretBox = page.locator(".new-token input.token-secret");
  await expect(page.locator(".new-token")).toContainText("shown only this once");
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  expect(secret).toMatch(/^census_\w{20,}$/);
  const row = page.locator("tbody tr", { hasText: description });
  await expect(row).toHaveCount(1);
  // The list shows only the start of the token.
  await expect(row.locator("td[data-label=Token]")).toHaveText(`${secret.slice(0, 13)}…`);
  await expect(row.locator("td[data-label='Last used']")).toHaveText("never");
  await expect(page.locator("main")).not.toContainText(secret.slice(13));

  // Shown once: gone after a reload.
  await page.reload();
  await ready(page);
  await expect(page.locator("tbody tr", { hasText: description })).toHaveCount(1);
  await expect(page.locator(".new-token")).toHaveCount(0);
  await expect(page.locator("input.token-secret")).toHaveCount(0);

  // This request context has no browser cookies: without the token it is refused.
  const anonymous = await request.get("/api/v1/sites/");
  expect(anonymous.status()).toBe(401);

  const list = await request.get("/api/v1/sites/", { headers: bearer(secret) });
  expect(list.status()).toBe(200);
  const body = await list.json();
  expect(body).toHaveProperty("count");
  expect(Array.isArray(body.results)).toBe(true);

  const region = uniq("TokRegion", info);
  const created = await request.post("/api/v1/regions/", { headers: bearer(secret), data: { name: region } });
  expect(created.status(), await created.text()).toBe(201);
  const json = await created.json();
  expect(json.name).toBe(region);
  expect(json.slug).toBe(region.toLowerCase());

  // The change is recorded as the editor's.
  await goto(page, `/regions/${json.id}`);
  await expect(page.locator("h1")).toHaveText(region);
  const history = page.locator("section.card", { hasText: "History" }).locator("table.changes tbody tr");
  await expect(history).toHaveCount(1);
  await expect(history.locator("td[data-label=User]")).toHaveText("eddie");
  await expect(history.locator("td[data-label=Action]")).toHaveText("create");

  // The tokens page now shows when it was last used.
  await goto(page, "/tokens");
  const usedRow = page.locator("tbody tr", { hasText: description });
  await expect(usedRow.locator("td[data-label='Last used']")).not.toHaveText("never");

  await usedRow.getByRole("button", { name: "Revoke" }).click();
  await expect(page).toHaveURL(/\/tokens$/);
  await expect(page.locator("tbody tr", { hasText: description })).toHaveCount(0);

  const revoked = await request.get("/api/v1/sites/", { headers: bearer(secret) });
  expect(revoked.status()).toBe(401);
  expect((await revoked.json()).error).toContain("not valid or has been revoked");
  const write = await request.post("/api/v1/regions/", { headers: bearer(secret), data: { name: `${region}-2` } });
  expect(write.status()).toBe(401);
});

test("an admin makes a token for a viewer: it reads but cannot write", async ({ page, request }) => {
  const description = uniq("viewer dashboard", test.info());
  await login(page, "admin");
  await goto(page, "/tokens");
  await page.fill("#description", description);
  await page.locator("#user_id").selectOption({ label: "vera (viewer)" });
  await page.getByRole("button", { name: "Create token" }).click();
  const secretBox = page.locator(".new-token input.token-secret");
  await expect(secretBox).toBeVisible();
  const secret = await secretBox.inputValue();
  await expect(page.locator("tbody tr", { hasText: description }).locator("td[data-label=User]")).toHaveText("vera");

  const read = await request.get("/api/v1/regions/", { headers: bearer(secret) });
  expect(read.status()).toBe(200);
  const write = await request.post("/api/v1/regions/", {
    headers: bearer(secret),
    data: { name: uniq("ViewerRegion", test.info()) },
  });
  expect(write.status()).toBe(403);
  expect((await write.json()).error).toContain("You do not have permission");

  // The viewer sees the token among their own.
  const context = await page.context().browser()!.newContext();
  const viewer = await context.newPage();
  await login(viewer, "viewer");
  await goto(viewer, "/tokens");
  await expect(viewer.locator("tbody tr", { hasText: description })).toHaveCount(1);
  await context.close();
});
