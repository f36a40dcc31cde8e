// The page stack: each area's pages load their own code chunk (lazy routes), directly as the
// first page of a session and through client navigation; a chunk that fails to load says so;
// the navigation scrolls and collapses; the change log names what a change refers to; on a
// phone the search is an icon that opens a full-width field.
import { expect, Page, test } from "./fixtures";
import { createViaForm, goto, jsOn, login, navLink, ready, uniq } from "./helpers";

/** The lazily loaded pages, with the heading each shows. */
const AREAS: [string, string | RegExp][] = [
  ["/dashboard", "Dashboard"],
  ["/dashboard/devices", "Devices seen"],
  ["/jobs", "Jobs"],
  ["/sources", "Sources"],
  ["/site-mapping", "Site mapping"],
  ["/settings", "Settings"],
  ["/tokens", "API tokens"],
  ["/users", "Users"],
  ["/account", "Your account"],
  ["/overview", "Overview"],
  ["/search", "Search"],
  ["/changes", "Change log"],
  ["/tenants/new", "Add tenant"],
  ["/tenants/bulk?op=edit&all=1", /^(Edit \d+ tenants?|Nothing selected)$/],
];

/** Collects the full page loads (document requests) of a page from now on. */
function watchDocuments(page: Page): string[] {
  const documents: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "document") documents.push(`${r.method()} ${r.url()}`);
  });
  return documents;
}

/** Collects uncaught errors in the page (a failed hydration panics into one). */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && /panicked|RuntimeError|unreachable/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

test("each area's page loads directly as the first page, and works", async ({ page }) => {
  await login(page, "admin");
  const job = await page.request.get("/api/v1/jobs/?limit=1");
  const jobs = (await job.json()).results as { id: number }[];
  const pages = [...AREAS, ...(jobs.length ? ([[`/jobs/${jobs[0].id}`, /#\d+$/]] as [string, RegExp][]) : [])];
  for (const [path, heading] of pages) {
    const errors = watchErrors(page);
    await goto(page, path);
    await expect(page.locator("main h1"), path).toHaveText(heading);
    await expect(page.locator("#app-failure")).toHaveCount(0);
    if (jsOn(test.info())) {
      // Hydrated on top of the lazily loaded chunk: a link now navigates in place.
      await page.evaluate((p) => ((window as any).__marker = p), path);
      await (await navLink(page, "Overview")).click();
      await expect(page.locator("main h1")).toHaveText("Overview");
      expect(await page.evaluate(() => (window as any).__marker), `${path} hydrated`).toBe(path);
    }
    expect(errors, path).toEqual([]);
  }
});

test("with JavaScript each area's page opens through client navigation", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: client-side navigation loads the chunks");
  await login(page, "admin");
  await goto(page, "/overview");
  const documents = watchDocuments(page);
  const errors = watchErrors(page);
  await page.evaluate(() => ((window as any).__marker = 1));
  for (const [name, heading] of [
    ["Dashboard", "Dashboard"],
    ["Devices seen", "Devices seen"],
    ["Jobs", "Jobs"],
    ["Sources", "Sources"],
    ["Site mapping", "Site mapping"],
    ["Settings", "Settings"],
    ["API tokens", "API tokens"],
    ["Users", "Users"],
  ]) {
    await (await navLink(page, name)).click();
    await expect(page.locator("main h1"), name).toHaveText(heading);
  }
  expect(await page.evaluate(() => (window as any).__marker)).toBe(1);
  expect(documents).toEqual([]);
  expect(errors).toEqual([]);
});

test("with JavaScript a page whose code cannot be loaded says so instead of going blank", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: only the browser loads code chunks");
  await login(page, "editor");
  await goto(page, "/overview");
  // From now on every code chunk fails to load (the main module is already running).
  await page.route(/\/pkg\/.*\.wasm(\?.*)?$/, (route) => route.abort("failed"));
  await (await navLink(page, "Settings")).click();
  const failure = page.locator("#app-failure");
  await expect(failure).toBeVisible();
  await expect(failure).toContainText("Reload the page");
  // What was on the page stays on it.
  await expect(page.locator("main h1")).toHaveText("Overview");
});

test.describe("on a laptop", () => {
  test.use({ viewport: { width: 1366, height: 768 } });

  test("the navigation scrolls to its last entry, and its groups collapse and stay so", async ({ page }) => {
    await login(page, "admin");
    await goto(page, "/overview");
    const nav = page.locator("nav.sidebar");
    const last = nav.getByRole("link", { name: "API (OpenAPI)" });
    await last.scrollIntoViewIfNeeded();
    await expect(last).toBeInViewport();
    const box = (await last.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(768);

    // Close a group: its entries hide, and stay hidden on the next page.
    const group = nav.locator("details.nav-group", { has: page.locator("summary", { hasText: "History" }) });
    await group.locator("summary").click();
    await expect(nav.getByRole("link", { name: "Devices seen" })).toBeHidden();
    if (jsOn(test.info())) {
      // The browser reports a group's toggle a moment later; the cookie follows it.
      const closed = async () =>
        (await page.context().cookies()).find((c) => c.name === "census_nav")?.value ?? "";
      await expect.poll(closed).toContain("History");
      await goto(page, "/tenants");
      await expect(nav.getByRole("link", { name: "Devices seen" })).toBeHidden();
      await nav.locator("summary", { hasText: "History" }).click();
      await expect(nav.getByRole("link", { name: "Devices seen" })).toBeVisible();
      await expect.poll(closed).not.toContain("History");
      await goto(page, "/overview");
      await expect(nav.getByRole("link", { name: "Devices seen" })).toBeVisible();
    }
  });
});

test("the change log names the sites a device moved between, and a deleted one as deleted", async ({ page }) => {
  await login(page, "editor");
  const from = uniq("From", test.info());
  const to = uniq("To", test.info());
  const a = await createViaForm(page, "sites", { name: from });
  const b = await createViaForm(page, "sites", { name: to });
  const dev = uniq("Mover", test.info());
  const d = await createViaForm(page, "devices", { name: dev, site_id: from });
  const r = await page.request.patch(`/api/v1/devices/${d}/`, {
    data: { site_id: b },
    headers: { Origin: new URL(page.url()).origin },
  });
  expect(r.status(), await r.text()).toBe(200);
  await goto(page, `/devices/${d}`);
  const move = page.locator("table.changes tbody tr", { has: page.locator(".action-update") }).first();
  await expect(move.locator("del")).toHaveText(from);
  await expect(move.locator("ins")).toHaveText(to);
  await expect(move.locator("ins a")).toHaveAttribute("href", `/sites/${b}`);
  await expect(move.locator("li b").first()).toHaveText("Site");

  // The device goes, then the first site: the log still says which site it was.
  for (const path of [`/api/v1/devices/${d}/`, `/api/v1/sites/${a}/`]) {
    const del = await page.request.delete(path, { headers: { Origin: new URL(page.url()).origin } });
    expect(del.status(), await del.text()).toBe(204);
  }
  await goto(page, `/changes?object_type=device&object_id=${d}&action=update`);
  const row = page.locator("table.changes tbody tr").first();
  await expect(row.locator("del")).toHaveText(`deleted site ${from}`);
  await expect(row.locator("del a")).toHaveCount(0);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 800 } });

  test("the search is an icon that opens a full-width field, and the user's name fits", async ({ page }) => {
    await login(page, "editor");
    await goto(page, "/overview");
    const box = page.locator("header.topbar form.search input[name=q]");
    await expect(box).toBeHidden();
    await expect(page.locator("header .user-name")).toBeVisible();
    const name = await page.locator("header .user-name").evaluate((e) => e.scrollWidth <= e.clientWidth + 1);
    expect(name, "the user name is not cut").toBe(true);
    await page.locator("label.search-button").click();
    await expect(box).toBeVisible();
    const width = (await box.boundingBox())!.width;
    expect(width).toBeGreaterThan(250);
    await box.fill("nothing-matches-this");
    await box.press("Enter");
    await expect(page).toHaveURL(/\/search\?q=nothing-matches-this$/);
    await ready(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
