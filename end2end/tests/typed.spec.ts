import { expect, Page, test } from "./fixtures";
import { apiCreate, createViaForm, fillForm, goto, jsOn, login, ready, rowNames, tokenFor, uniq } from "./helpers";

/** The value shown for `label` in the detail page's property list. */
function prop(page: Page, label: string) {
  return page.locator("dl.props dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
}

test("the typed fields work in forms, on detail pages, in filters and in CSV", async ({ page, request, browser }) => {
  test.setTimeout(120_000);
  const info = test.info();
  const token = await tokenFor(browser, "editor");
  const site = await apiCreate(request, token, "sites", { name: uniq("Site", info) });
  const tagName = uniq("Core", info);
  const otherTag = uniq("Edge", info);
  await apiCreate(request, token, "tags", { name: otherTag });
  const device = uniq("sw", info);

  await login(page, "editor");

  await test.step("a tag with a colour picked in the colour input", async () => {
    await createViaForm(page, "tags", { name: tagName, colour: "#2f6fed" });
    await expect(prop(page, "Colour")).toHaveText("#2f6fed");
  });

  await test.step("a device with dates, a price, a time, custom fields and tags", async () => {
    await goto(page, "/devices/new");
    await fillForm(page, {
      name: device,
      site_id: site.name,
      purchase_date: "2024-03-01",
      warranty_end: "2026-02-28",
      purchase_price: "1234.5",
      currency: "eur",
      last_audit_at: "2026-11-30T14:05",
      custom_fields: '{"cost_centre": "IT-42"}',
    });
    const tags = page.locator("#f-tag_ids");
    if (jsOn(info)) {
      // The search box narrows the list of tags.
      await tags.locator("input[type=search]").fill(tagName.slice(0, 8));
      await expect(tags.locator("label.set-option", { hasText: otherTag })).toBeHidden();
    }
    await tags.locator("label.set-option", { hasText: tagName }).locator("input").check();
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/devices\/\d+$/);
    await ready(page);
    await expect(prop(page, "Purchase date")).toHaveText("2024-03-01");
    await expect(prop(page, "Purchase price")).toHaveText("1234.50 EUR");
    await expect(prop(page, "Last audited")).toHaveText("2026-11-30 14:05 UTC");
    await expect(prop(page, "Custom fields")).toContainText('"cost_centre": "IT-42"');
    await expect(prop(page, "Tags").locator("a.chip")).toHaveText([tagName]);
  });

  await test.step("a wrong amount comes back with the values typed", async () => {
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await ready(page);
    await expect(page.locator("#f-purchase_price")).toHaveValue("1234.50");
    await expect(page.locator("#f-last_audit_at")).toHaveValue(/^2026-11-30T14:05(:00)?$/);
    await fillForm(page, { currency: "JPY", custom_fields: "{not json" });
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.locator(".field.has-error #f-purchase_price")).toBeVisible();
    await expect(page.locator(".field.has-error #f-custom_fields")).toBeVisible();
    await expect(page.locator("#f-currency")).toHaveValue("JPY");
    await expect(page.locator("#f-custom_fields")).toHaveValue("{not json");
    // The tag ticked before is still ticked.
    await expect(page.locator("#f-tag_ids label.set-option", { hasText: tagName }).locator("input")).toBeChecked();
  });

  await test.step("the warranty range in the filter bar finds it", async () => {
    await goto(page, "/devices");
    await page.locator("#filter-warranty_end").fill("2026-01-01");
    await page.locator(".filter-bar input[name=warranty_end__lte]").fill("2026-12-31");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/warranty_end__gte=2026-01-01/);
    await ready(page);
    await expect.poll(() => rowNames(page)).toContain(device);
    await page.locator(".filter-bar input[name=warranty_end__lte]").fill("2025-12-31");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/warranty_end__lte=2025-12-31/);
    await ready(page);
    await expect.poll(() => rowNames(page)).not.toContain(device);
  });

  await test.step("a journal entry added from the device's page is about the device", async () => {
    await goto(page, "/devices");
    await page.getByRole("link", { name: device }).click();
    await ready(page);
    const card = page.locator("section.related-list", { has: page.locator("h2", { hasText: /^Journal entries/ }) });
    await card.getByRole("link", { name: "+ Add journal entry" }).click();
    await ready(page);
    await expect(page.locator("#f-assigned_object")).toHaveValue("device");
    await fillForm(page, { summary: "Replaced the PSU", kind: "Warning" });
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/journal-entries\/\d+$/);
    await ready(page);
    await expect(prop(page, "About")).toContainText(device);
  });

  await test.step("the CSV export neutralises a formula", async () => {
    const evil = await apiCreate(request, token, "devices", {
      name: uniq("evil", info),
      site_id: site.id,
      serial: "+1-555",
      description: "=1+1",
    });
    const res = await request.get(`/api/v1/devices/?id=${evil.id}&format=csv`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    expect(text).toContain(",'+1-555,");
    expect(text).toContain(",'=1+1,");
  });
});
