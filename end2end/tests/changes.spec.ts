import { expect, Page, test } from "./fixtures";
import { createViaForm, fillForm, goto, login, ready, uniq } from "./helpers";

/** The number of matches the change log's pager reports ("1–50 of 123" → 123). */
async function total(page: Page): Promise<number> {
  const text = (await page.locator(".pager-pos").textContent()) ?? "";
  if (text.includes("No results")) return 0;
  const m = text.match(/of (\d+)/);
  if (!m) throw new Error(`unexpected pager text: ${text}`);
  return Number(m[1]);
}

function changeRows(page: Page, objectText: string) {
  return page.locator("table.changes tbody tr", {
    has: page.locator("td[data-label=Object]", { hasText: objectText }),
  });
}

test("the change log lists an editor's changes, and filters by user, type and action narrow it", async ({ page }) => {
  const name = uniq("LogTenant", test.info());
  await login(page, "editor");
  const id = await createViaForm(page, "tenants", { name });
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${id}/edit$`));
  await ready(page);
  await fillForm(page, { description: "audited" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${id}$`));

  // Unfiltered (a large page, as other tests add changes meanwhile).
  await goto(page, "/changes?limit=500");
  await expect(page.getByRole("heading", { name: "Change log" })).toBeVisible();
  const mine = changeRows(page, `tenant ${name}`);
  await expect(mine).toHaveCount(2);
  const all = await total(page);
  const created = mine.filter({ has: page.locator("td[data-label=Action]", { hasText: "create" }) });
  await expect(created.locator("td[data-label=User]")).toHaveText("eddie");
  await expect(created.locator("ul.diff")).toContainText(`Name: ${name}`);
  const updated = mine.filter({ has: page.locator("td[data-label=Action]", { hasText: "update" }) });
  await expect(updated.locator("ul.diff li")).toHaveText(["Description: audited"]);
  // Newest first: the update is above the creation.
  await expect(mine.first().locator("td[data-label=Action]")).toHaveText("update");

  // Filter by user and object type through the form.
  await goto(page, "/changes");
  await page.fill("#f-user", "eddie");
  await page.locator("#f-type").selectOption({ label: "Tenant" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]user=eddie(&|$)/);
  await expect(page).toHaveURL(/[?&]object_type=tenant(&|$)/);
  await ready(page);
  await expect(page.locator("#f-user")).toHaveValue("eddie");
  await expect(page.locator("#f-type")).toHaveValue("tenant");
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(2);
  await expect
    .poll(async () => [...new Set(await page.locator("table.changes tbody td[data-label=User]").allTextContents())])
    .toEqual(["eddie"]);
  await expect
    .poll(async () => {
      const objects = await page.locator("table.changes tbody td[data-label=Object]").allTextContents();
      return objects.filter((o) => !o.startsWith("tenant "));
    })
    .toEqual([]);
  await expect.poll(() => total(page)).toBeLessThan(all);
  const narrowed = await total(page);

  // And by action.
  await page.locator("#f-action").selectOption("update");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]action=update(&|$)/);
  await ready(page);
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(1);
  await expect
    .poll(async () => [...new Set(await page.locator("table.changes tbody td[data-label=Action]").allTextContents())])
    .toEqual(["update"]);
  await expect.poll(() => total(page)).toBeLessThan(narrowed);

  // Another user's changes do not include it.
  await page.fill("#f-user", "admin");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]user=admin(&|$)/);
  await ready(page);
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(0);

  // Reset, then follow the object link to the tenant.
  await page.getByRole("link", { name: "Reset" }).click();
  await expect(page).toHaveURL(/\/changes$/);
  await ready(page);
  await expect(page.locator("#f-user")).toHaveValue("");
  await goto(page, `/changes?user=eddie&object_type=tenant`);
  await changeRows(page, `tenant ${name}`).first().locator("td[data-label=Object] a").click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${id}$`));
  await expect(page.locator("h1")).toHaveText(name);
});

test("the change log filters by date and by request", async ({ page }) => {
  const name = uniq("DateTenant", test.info());
  await login(page, "editor");
  await createViaForm(page, "tenants", { name });
  const today = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

  await goto(page, `/changes?object_type=tenant&since=${today}&until=${today}&limit=500`);
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(1);
  await expect(page.locator("#f-since")).toHaveValue(today);

  await goto(page, `/changes?object_type=tenant&until=${yesterday}`);
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(0);

  // The time links to every change of that request: here just the one.
  await goto(page, `/changes?object_type=tenant&since=${today}&limit=500`);
  await changeRows(page, `tenant ${name}`).locator("td[data-label=Time] a").click();
  await expect(page).toHaveURL(/[?&]request_id=\w+/);
  await ready(page);
  await expect(page.locator("table.changes tbody tr")).toHaveCount(1);
  await expect(changeRows(page, `tenant ${name}`)).toHaveCount(1);
});
