import { expect, Page, test } from "./fixtures";
import { apiCreate, bearer, goto, login, ready, rowNames, tokenFor, uniq } from "./helpers";

// Test data goes in through the REST API with an admin's token made on the tokens page.
let token = "";
test.beforeAll(async ({ browser }) => {
  token = await tokenFor(browser, "admin");
});

/** Whether the page is at a phone's width, where list rows are cards and headers are hidden. */
function onPhone(page: Page): boolean {
  return (page.viewportSize()?.width ?? 1280) < 640;
}

/**
 * Sort the list by column `label`, `dir` ↑ or ↓: by its header on a wider screen (a click sorts
 * ascending, the next one descending), by the "Sort by" choice on a phone.
 */
async function sortBy(page: Page, label: string, dir: "↑" | "↓") {
  if (onPhone(page)) {
    await page.selectOption("#filter-ordering", { label: `${label} ${dir}` });
    await page.getByRole("button", { name: "Apply" }).click();
  } else {
    await page.locator("table.objects thead th", { hasText: label }).getByRole("link").click();
  }
}

/** The row of the list table whose title is `name`. */
function row(page: Page, name: string) {
  return page.locator("table.objects tbody tr", { has: page.getByRole("link", { name, exact: true }) });
}

test("a column header sorts the list, and a second click reverses the order", async ({ page, request }) => {
  const p = uniq("sort", test.info());
  const names = [`${p}-bravo`, `${p}-charlie`, `${p}-alpha`];
  await apiCreate(request, token, "tenants", names.map((name) => ({ name })));
  const asc = [...names].sort();

  await login(page, "editor");
  await goto(page, `/tenants?q=${p}&ordering=-name`);
  await expect.poll(() => rowNames(page)).toEqual([...asc].reverse());

  await goto(page, `/tenants?q=${p}`);
  const header = page.locator("table.objects thead th", { hasText: "Name" });
  await expect(header).toHaveAttribute("aria-sort", "none");
  await sortBy(page, "Name", "↑");
  await expect(page).toHaveURL(/[?&]ordering=name(&|$)/);
  await ready(page);
  await expect.poll(() => rowNames(page)).toEqual(asc);
  await expect(header).toHaveAttribute("aria-sort", "ascending");
  await expect(page.locator("#filter-ordering")).toHaveValue("name");
  // The search is kept.
  await expect(page.locator("#filter-q")).toHaveValue(p);

  await sortBy(page, "Name", "↓");
  await expect(page).toHaveURL(/[?&]ordering=-name(&|$)/);
  await ready(page);
  await expect.poll(() => rowNames(page)).toEqual([...asc].reverse());
  await expect(header).toHaveAttribute("aria-sort", "descending");
  await expect(page.locator("#filter-q")).toHaveValue(p);
});

test("sorting by a reference column orders by the referenced object's name", async ({ page, request }) => {
  const p = uniq("sortref", test.info());
  const [rz, ra] = await apiCreate(request, token, "regions", [{ name: `${p}-zulu` }, { name: `${p}-alpha` }]);
  await apiCreate(request, token, "sites", [
    { name: `${p}-s1`, region_id: rz.id },
    { name: `${p}-s2`, region_id: ra.id },
    { name: `${p}-s3`, region_id: rz.id },
  ]);

  await login(page, "editor");
  await goto(page, `/sites?q=${p}`);
  await sortBy(page, "Region", "↑");
  await expect(page).toHaveURL(/[?&]ordering=region(&|$)/);
  await ready(page);
  await expect.poll(async () => (await rowNames(page))[0]).toBe(`${p}-s2`);
  await sortBy(page, "Region", "↓");
  await expect(page).toHaveURL(/[?&]ordering=-region(&|$)/);
  await ready(page);
  await expect.poll(async () => (await rowNames(page))[2]).toBe(`${p}-s2`);
});

test("the page size can be chosen and the pager moves to the next page", async ({ page, request }) => {
  const p = uniq("page", test.info());
  const names = Array.from({ length: 30 }, (_, i) => `${p}-${String(i + 1).padStart(2, "0")}`);
  const created = await apiCreate(request, token, "tenants", names.map((name) => ({ name })));
  expect(created).toHaveLength(30);

  await login(page, "editor");
  await goto(page, `/tenants?q=${p}`);
  await expect(page.locator("table.objects tbody tr")).toHaveCount(30);
  await expect(page.locator(".pager-pos")).toHaveText("1–30 of 30");
  await expect(page.getByRole("link", { name: "Next ›" })).toHaveCount(0);

  await page.locator("select[name=limit]").selectOption("25");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/[?&]limit=25(&|$)/);
  await ready(page);
  await expect(page.locator(".pager-pos")).toHaveText("1–25 of 30");
  await expect.poll(() => rowNames(page)).toEqual(names.slice(0, 25));
  await expect(page.locator("select[name=limit]")).toHaveValue("25");
  await expect(page.getByRole("link", { name: "‹ Previous" })).toHaveCount(0);

  await page.getByRole("link", { name: "Next ›" }).click();
  await expect(page).toHaveURL(/[?&]offset=25(&|$)/);
  await ready(page);
  await expect(page.locator(".pager-pos")).toHaveText("26–30 of 30");
  await expect.poll(() => rowNames(page)).toEqual(names.slice(25));
  await expect(page.getByRole("link", { name: "Next ›" })).toHaveCount(0);
  // The search and the page size are kept.
  await expect(page).toHaveURL(new RegExp(`[?&]q=${p}(&|$)`));
  await expect(page).toHaveURL(/[?&]limit=25(&|$)/);

  await page.getByRole("link", { name: "‹ Previous" }).click();
  await expect(page.locator(".pager-pos")).toHaveText("1–25 of 30");
  await ready(page);
  await expect.poll(async () => (await rowNames(page))[0]).toBe(names[0]);
});

test("bulk edit of the selected rows changes only those", async ({ page, request }) => {
  const p = uniq("bulksel", test.info());
  const sites = await apiCreate(
    request,
    token,
    "sites",
    [1, 2, 3].map((i) => ({ name: `${p}-${i}`, status: "active" })),
  );

  await login(page, "editor");
  await goto(page, `/sites?q=${p}`);
  await expect.poll(() => rowNames(page)).toEqual(sites.map((s: { name: string }) => s.name));
  await page.getByRole("checkbox", { name: `Select ${p}-1` }).check();
  await page.getByRole("checkbox", { name: `Select ${p}-3` }).check();
  await page.getByRole("button", { name: "Edit selected" }).click();
  await expect(page).toHaveURL(/\/sites\/bulk\?/);
  await ready(page);
  await expect(page.locator("h1")).toHaveText("Edit 2 sites");
  await expect(page.locator("main")).toContainText(`${p}-1, ${p}-3`);
  await expect(page.locator("#f-status")).toHaveValue("");
  await expect(page.locator("#f-status option").first()).toHaveText("(leave unchanged)");
  await page.locator("#f-status").selectOption("planned");
  await page.locator("#f-facility").fill("Bulk DC");
  await page.getByRole("button", { name: "Apply to 2 sites" }).click();
  await expect(page).toHaveURL(/\/sites(\?.*)?$/);
  await ready(page);

  await goto(page, `/sites?q=${p}`);
  for (const [name, status, facility] of [
    [`${p}-1`, "Planned", "Bulk DC"],
    [`${p}-2`, "Active", "—"],
    [`${p}-3`, "Planned", "Bulk DC"],
  ]) {
    await expect(row(page, name).locator("td[data-label=Status]")).toHaveText(status);
    await expect(row(page, name).locator("td[data-label=Facility]")).toHaveText(facility);
  }

  // "clear" empties an optional field on the selection.
  await page.getByRole("checkbox", { name: `Select ${p}-1` }).check();
  await page.getByRole("button", { name: "Edit selected" }).click();
  await ready(page);
  await expect(page.locator("h1")).toHaveText(/^Edit 1 sites?$/); // wording: see the singular test
  await page.locator("input[name='clear[facility]']").check();
  await page.getByRole("button", { name: /^Apply to 1 site/ }).click();
  await expect(page).toHaveURL(/\/sites(\?.*)?$/);
  await goto(page, `/sites?q=${p}`);
  await expect(row(page, `${p}-1`).locator("td[data-label=Facility]")).toHaveText("—");
  await expect(row(page, `${p}-1`).locator("td[data-label=Status]")).toHaveText("Planned");
  await expect(row(page, `${p}-3`).locator("td[data-label=Facility]")).toHaveText("Bulk DC");
});

test("bulk edit of all rows matching a filter", async ({ page, request }) => {
  const p = uniq("bulkall", test.info());
  const region = await apiCreate(request, token, "regions", { name: `${p}-region` });
  await apiCreate(request, token, "sites", [
    { name: `${p}-in-1`, region_id: region.id },
    { name: `${p}-in-2`, region_id: region.id },
    { name: `${p}-out` },
  ]);

  await login(page, "editor");
  await goto(page, "/sites");
  await page.locator("#filter-region_id").selectOption({ label: region.name });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]region_id=${region.id}(&|$)`));
  await ready(page);
  await expect.poll(() => rowNames(page)).toEqual([`${p}-in-1`, `${p}-in-2`]);
  await expect(page.locator(".bulk-all")).toContainText("All 2 sites matching the filter");
  // The list stays on screen while the bulk editor's code loads; it must not fetch itself
  // again with the editor's address (a refused request, an error flashing).
  const refused: string[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/api/") && r.status() >= 400) refused.push(`${r.status()} ${r.url()}`);
  });
  await page.locator(".bulk-all").getByRole("link", { name: "edit" }).click();
  await expect(page).toHaveURL(/\/sites\/bulk\?op=edit&all=1&/);
  await ready(page);
  await expect(page.locator("h1")).toHaveText("Edit 2 sites");
  expect(refused).toEqual([]);
  await page.locator("#f-status").selectOption("decommissioning");
  await page.getByRole("button", { name: "Apply to 2 sites" }).click();
  await expect(page).toHaveURL(/\/sites(\?.*)?$/);

  await goto(page, `/sites?q=${p}`);
  await expect(row(page, `${p}-in-1`).locator("td[data-label=Status]")).toHaveText("Decommissioning");
  await expect(row(page, `${p}-in-2`).locator("td[data-label=Status]")).toHaveText("Decommissioning");
  await expect(row(page, `${p}-out`).locator("td[data-label=Status]")).toHaveText("Active");
});

test("bulk delete removes the selected rows, and refuses all of them while one is in use", async ({
  page,
  request,
}) => {
  const p = uniq("bulkdel", test.info());
  await apiCreate(request, token, "tenants", [1, 2, 3].map((i) => ({ name: `${p}-${i}` })));
  const [free, used] = await apiCreate(request, token, "regions", [{ name: `${p}-free` }, { name: `${p}-used` }]);
  await apiCreate(request, token, "sites", { name: `${p}-site`, region_id: used.id });

  await login(page, "editor");
  await goto(page, `/tenants?q=${p}`);
  await page.getByRole("checkbox", { name: `Select ${p}-1` }).check();
  await page.getByRole("checkbox", { name: `Select ${p}-2` }).check();
  await page.getByRole("button", { name: "Delete selected" }).click();
  await expect(page).toHaveURL(/\/tenants\/bulk\?/);
  await ready(page);
  await expect(page.locator("h1")).toHaveText("Delete 2 tenants?");
  await page.getByRole("button", { name: "Delete 2 tenants" }).click();
  await expect(page).toHaveURL(/\/tenants(\?.*)?$/);
  await goto(page, `/tenants?q=${p}`);
  await expect.poll(() => rowNames(page)).toEqual([`${p}-3`]);

  // Selected regions: one still has a site, so nothing is deleted.
  await goto(page, `/regions?q=${p}`);
  await expect.poll(() => rowNames(page)).toEqual([free.name, used.name]);
  await page.getByRole("checkbox", { name: `Select ${free.name}` }).check();
  await page.getByRole("checkbox", { name: `Select ${used.name}` }).check();
  await page.getByRole("button", { name: "Delete selected" }).click();
  await ready(page);
  await page.getByRole("button", { name: "Delete 2 regions" }).click();
  await expect(page.getByRole("alert")).toContainText(
    `Cannot delete 1 of the 2 selected regions: region ${used.name} has 1 site. Nothing was deleted.`,
  );

  // The same for every region matching the search.
  await goto(page, `/regions?q=${p}`);
  await expect.poll(() => rowNames(page)).toEqual([free.name, used.name]);
  await page.locator(".bulk-all").getByRole("link", { name: "delete" }).click();
  await ready(page);
  await expect(page.locator("h1")).toHaveText("Delete 2 regions?");
  await page.getByRole("button", { name: "Delete 2 regions" }).click();
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Cannot delete 1 of the 2 selected regions");
  await expect(alert).toContainText(`region ${used.name} has 1 site`);
  await expect(alert).toContainText("Nothing was deleted.");
  await goto(page, `/regions?q=${p}`);
  await expect.poll(() => rowNames(page)).toEqual([free.name, used.name]);
});

test("Export CSV downloads the filtered rows as CSV", async ({ page, request }) => {
  const p = uniq("csv", test.info());
  await apiCreate(request, token, "sites", [
    { name: `${p}-a`, status: "planned", facility: "Hall, \"East\"" },
    { name: `${p}-b`, status: "active" },
    { name: `${p}-c`, status: "planned" },
  ]);

  await login(page, "editor");
  await goto(page, "/sites");
  await page.fill("#filter-q", p);
  await page.locator("#filter-status").selectOption("planned");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]status=planned(&|$)/);
  await ready(page);
  await expect.poll(() => rowNames(page)).toEqual([`${p}-a`, `${p}-c`]);

  const link = page.getByRole("link", { name: "Export CSV" });
  const href = await link.getAttribute("href");
  expect(href).toMatch(/^\/api\/v1\/sites\/\?/);
  expect(href).toContain(`q=${p}`);
  expect(href).toContain("status=planned");
  expect(href).toContain("format=csv");

  // The browser's session is enough to download it.
  const res = await page.request.get(href!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toMatch(/^text\/csv/);
  const lines = (await res.text()).trim().split(/\r?\n/);
  const header = lines[0].split(",");
  expect(header.slice(0, 3)).toEqual(["id", "name", "slug"]);
  expect(lines).toHaveLength(3);
  expect(lines[1]).toContain(`${p}-a`);
  expect(lines[1]).toContain(`"Hall, ""East"""`);
  expect(lines[2]).toContain(`${p}-c`);
  expect(lines.join("\n")).not.toContain(`${p}-b`);

  // Not without signing in.
  const anonymous = await request.get(href!);
  expect(anonymous.status()).toBe(401);
  // With a token it is the same export.
  const withToken = await request.get(href!, { headers: bearer(token) });
  expect(await withToken.text()).toBe(await res.text());
});

test("bulk pages speak of one object in the singular", async ({ page, request }) => {
  const p = uniq("bulkone", test.info());
  const [site] = await apiCreate(request, token, "sites", [{ name: `${p}-only` }]);
  await login(page, "editor");
  await goto(page, `/sites/bulk?op=edit&id=${site.id}`);
  await expect(page.locator("main")).toContainText(`1 site selected: ${site.name}`);
  await expect(page.locator("h1")).toHaveText("Edit 1 site");
  await expect(page.getByRole("button", { name: "Apply to 1 site", exact: true })).toBeVisible();
  await goto(page, `/sites/bulk?op=delete&id=${site.id}`);
  await expect(page.locator("h1")).toHaveText("Delete 1 site?");
  await expect(page.getByRole("button", { name: "Delete 1 site", exact: true })).toBeVisible();
});
