import { expect, test } from "./fixtures";
import { apiCreate, goto, login, ready, rowNames, sameOrigin, tokenFor, uniq } from "./helpers";

// A site with a location and a device for the viewer to look at, made by an editor.
let site: { id: number; name: string };
let device: { id: number; name: string };
test.beforeAll(async ({ browser, playwright }) => {
  const token = await tokenFor(browser, "editor");
  const request = await playwright.request.newContext({ baseURL: test.info().project.use.baseURL });
  const p = uniq("viewed", test.info());
  site = await apiCreate(request, token, "sites", { name: `${p}-site` });
  await apiCreate(request, token, "locations", { name: `${p}-room`, site_id: site.id });
  device = await apiCreate(request, token, "devices", { name: `${p}-dev`, site_id: site.id });
  await request.dispose();
});

test("a viewer sees lists and details but no controls to change them", async ({ page }) => {
  await login(page, "viewer");
  await expect(page.locator(".user-name")).toContainText("viewer");

  await goto(page, `/sites?q=${encodeURIComponent(site.name)}`);
  await expect(page.getByRole("heading", { name: "Sites" })).toBeVisible();
  await expect.poll(() => rowNames(page)).toEqual([site.name]);
  await expect(page.getByRole("link", { name: "Add site" })).toHaveCount(0);
  await expect(page.locator("table.objects input[name=id]")).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Edit selected" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Delete selected" })).toHaveCount(0);
  await expect(page.locator(".bulk-all")).toHaveCount(0);
  // Reading stays possible: filters and the export.
  await expect(page.locator("form.filter-bar")).toBeVisible();
  await expect(page.getByRole("link", { name: "Export CSV" })).toBeVisible();

  await page.getByRole("link", { name: site.name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/sites/${site.id}$`));
  await ready(page);
  await expect(page.locator("h1")).toContainText(site.name);
  await expect(page.locator("dl.props")).toBeVisible();
  await expect(page.locator("section.related-list", { hasText: "Devices" }).getByRole("link", { name: device.name })).toBeVisible();
  await expect(page.getByRole("link", { name: "Edit", exact: true })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Delete", exact: true })).toHaveCount(0);
  await expect(page.locator("a.add-link")).toHaveCount(0);
  await expect(page.locator("section.card", { hasText: "History" }).locator("table.changes")).toBeVisible();

  // Administration is not offered.
  // (Counted in the document: on a phone the navigation is closed behind its button.)
  await expect(page.locator('nav.sidebar a[href="/users"]')).toHaveCount(0);
  await expect(page.locator('nav.sidebar a[href="/changes"]')).toHaveCount(1);
});

test("a viewer gets 403 and a permission message on the pages that change things", async ({ page }) => {
  await login(page, "viewer");
  const pages: [string, string][] = [
    ["/sites/new", "You do not have permission to change sites."],
    [`/sites/${site.id}/edit`, "You do not have permission to change sites."],
    [`/sites/${site.id}/delete`, "You do not have permission to delete sites."],
    [`/devices/bulk?op=edit&id=${device.id}`, "You do not have permission to change devices."],
    ["/devices/new", "You do not have permission to change devices."],
    ["/users", "You do not have permission to manage users."],
  ];
  for (const [path, message] of pages) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(403);
    await ready(page);
    await expect(page.getByRole("alert"), path).toContainText(message);
    await expect(page.locator("form.object-form"), path).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Save" }), path).toHaveCount(0);
  }
});

test("a viewer's REST API writes are refused and nothing changes", async ({ page }) => {
  await login(page, "viewer");
  // The API answers the browser's session with the viewer's role.
  const read = await page.request.get(`/api/v1/sites/${site.id}`);
  expect(read.status()).toBe(200);
  expect((await read.json()).name).toBe(site.name);
  const write = await page.request.patch(`/api/v1/sites/${site.id}`, {
    data: { status: "retired" },
    headers: sameOrigin(),
  });
  expect(write.status()).toBe(403);
  await goto(page, `/sites/${site.id}`);
  await expect(page.locator("h1 .badge")).toHaveText("Active");
});
