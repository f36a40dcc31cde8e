import { expect, Page, test } from "./fixtures";
import { createViaForm, fillForm, goto, idFromUrl, login, ready, rowNames, searchBox, uniq } from "./helpers";

/** A random MAC address in Cisco's dotted form (`0011.2233.44ab`) and its normal form. */
function randomMac(): { dotted: string; colons: string } {
  const hex = Array.from({ length: 12 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");
  return {
    dotted: `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8, 12)}`,
    colons: hex.match(/../g)!.join(":"),
  };
}

/** The value shown for `label` in the detail page's property list. */
function prop(page: Page, label: string) {
  return page.locator("dl.props dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
}

test("an editor builds region → site → location → rack → device and finds, edits and protects them", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const info = test.info();
  const region = uniq("Region", info);
  const site = uniq("Site", info);
  const location = uniq("Room", info);
  const rack = uniq("Rack", info);
  const device = uniq("sw", info);
  const serial = uniq("SN", info).toUpperCase();
  const mac = randomMac();

  await login(page, "editor");

  let regionId = 0;
  await test.step("create a region", async () => {
    regionId = await createViaForm(page, "regions", { name: region });
    await expect(page.locator("h1")).toHaveText(region);
  });

  let siteId = 0;
  await test.step("create a site in that region", async () => {
    siteId = await createViaForm(page, "sites", { name: site, region_id: region, facility: "Building 7" });
    await expect(page.locator("h1")).toContainText(site);
    await expect(page.locator("h1 .badge")).toHaveText("Active");
    await expect(prop(page, "Region")).toHaveText(region);
    await expect(prop(page, "Region").locator("a")).toHaveAttribute("href", `/regions/${regionId}`);
    await expect(prop(page, "Facility")).toHaveText("Building 7");
    // The slug was derived from the name.
    await expect(prop(page, "Slug")).toHaveText(site.toLowerCase());
  });

  await test.step("add a location from the site's page (the site is prefilled)", async () => {
    const card = page.locator("section.related-list", { has: page.locator("h2", { hasText: /^Locations/ }) });
    await expect(card).toContainText("None.");
    await card.getByRole("link", { name: "+ Add location" }).click();
    await expect(page).toHaveURL(new RegExp(`/locations/new\\?site_id=${siteId}$`));
    await ready(page);
    await expect(page.locator("#f-site_id")).toHaveValue(String(siteId));
    await fillForm(page, { name: location });
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/locations\/\d+$/);
    await ready(page);
    await expect(page.locator("h1")).toContainText(location);
    await expect(prop(page, "Site")).toHaveText(site);
  });

  let rackId = 0;
  await test.step("add a rack in the site and location", async () => {
    await goto(page, `/sites/${siteId}`);
    const card = page.locator("section.related-list", { has: page.locator("h2", { hasText: /^Racks/ }) });
    await card.getByRole("link", { name: "+ Add rack" }).click();
    await expect(page).toHaveURL(new RegExp(`/racks/new\\?site_id=${siteId}$`));
    await ready(page);
    await expect(page.locator("#f-site_id")).toHaveValue(String(siteId));
    await expect(page.locator("#f-units")).toHaveValue("42");
    await fillForm(page, { name: rack, location_id: `${location} (${site})` });
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(/\/racks\/\d+$/);
    await ready(page);
    rackId = idFromUrl(page);
    await expect(page.locator("h1")).toContainText(rack);
    await expect(prop(page, "Location")).toHaveText(location);
    await expect(prop(page, "Units")).toHaveText("42");
  });

  let deviceId = 0;
  await test.step("add a device in the site and rack, with a serial and a dotted MAC", async () => {
    deviceId = await createViaForm(page, "devices", {
      name: device,
      site_id: site,
      rack_id: `${rack} (${site})`,
      serial,
      mac_address: mac.dotted,
    });
    await expect(page.locator("h1")).toContainText(device);
    await expect(page.locator("h1 .badge")).toHaveText("Active");
    await expect(prop(page, "MAC address")).toHaveText(mac.colons);
    await expect(prop(page, "Serial number")).toHaveText(serial);
    await expect(prop(page, "Site")).toHaveText(site);
    await expect(prop(page, "Rack")).toHaveText(rack);
    await expect(prop(page, "Rack").locator("a")).toHaveAttribute("href", `/racks/${rackId}`);
    // Not chosen in the form: taken from the rack.
    await expect(prop(page, "Location")).toHaveText(location);
    // Its creation is in its history.
    const history = page.locator("section.card", { has: page.locator("h2", { hasText: "History" }) });
    await expect(history.locator("table.changes tbody tr")).toHaveCount(1);
    await expect(history.locator("table.changes tbody tr").first()).toContainText("create");
  });

  await test.step("the device list filtered by region and status finds it", async () => {
    await goto(page, "/devices");
    await page.locator("#filter-region_id").selectOption({ label: region });
    await page.locator("#filter-status").selectOption("active");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]region_id=${regionId}(&|$)`));
    await expect(page).toHaveURL(/[?&]status=active(&|$)/);
    await ready(page);
    await expect.poll(() => rowNames(page)).toEqual([device]);
    await expect(page.locator("#filter-region_id")).toHaveValue(String(regionId));
    await expect(page.locator(".pager-pos")).toHaveText("1–1 of 1");

    // Same region, another status: nothing.
    await page.locator("#filter-status").selectOption("offline");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]status=offline(&|$)/);
    await expect(page.locator("table.objects tbody")).toContainText("No devices found.");
    await expect(page.locator("table.objects tbody td.title")).toHaveCount(0);
  });

  await test.step("the list search finds it by serial", async () => {
    await goto(page, "/devices");
    await page.fill("#filter-q", serial.toLowerCase());
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/[?&]q=/);
    await ready(page);
    await expect.poll(() => rowNames(page)).toEqual([device]);
    const row = page.locator("table.objects tbody tr", { hasText: device });
    await expect(row.locator("td[data-label='Serial number']")).toHaveText(serial);
    await expect(row.locator("td[data-label='Rack']")).toHaveText(rack);
  });

  await test.step("the global search finds it by serial and by MAC in another notation", async () => {
    for (const term of [serial, mac.colons.replaceAll(":", "-").toUpperCase()]) {
      const box = await searchBox(page);
      await box.fill(term);
      await box.press("Enter");
      await expect(page).toHaveURL(new RegExp(`/search\\?q=${encodeURIComponent(term)}$`));
      await ready(page);
      const group = page.locator("section.search-group", { has: page.locator("h2", { hasText: "Devices" }) });
      await expect(group.getByRole("link", { name: device })).toHaveAttribute("href", `/devices/${deviceId}`);
      await expect(group.locator("h2 .count")).toHaveText("1");
      // Nothing else shares that serial or MAC.
      await expect(page.locator("section.search-group")).toHaveCount(1);
    }
  });

  await test.step("edit the device: the change shows in its history", async () => {
    await goto(page, `/devices/${deviceId}`);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/devices/${deviceId}/edit$`));
    await ready(page);
    await expect(page.locator("#f-name")).toHaveValue(device);
    await expect(page.locator("#f-mac_address")).toHaveValue(mac.colons);
    await fillForm(page, { status: "Offline", description: "moved to spares" });
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page).toHaveURL(new RegExp(`/devices/${deviceId}$`));
    await ready(page);
    await expect(page.locator("h1 .badge")).toHaveText("Offline");
    await expect(prop(page, "Description")).toHaveText("moved to spares");

    const history = page.locator("section.card", { has: page.locator("h2", { hasText: "History" }) });
    await expect(history.locator("h2")).toContainText("(2 changes)");
    const update = history.locator("table.changes tbody tr", { hasText: "update" });
    await expect(update).toHaveCount(1);
    await expect(update.locator("td[data-label='User']")).toHaveText("eddie");
    const status = update.locator("ul.diff li", { has: page.locator("b", { hasText: /^Status$/ }) });
    await expect(status.locator("del")).toHaveText("active");
    await expect(status.locator("ins")).toHaveText("offline");
    const description = update.locator("ul.diff li", { has: page.locator("b", { hasText: /^Description$/ }) });
    await expect(description.locator("del")).toHaveCount(0);
    await expect(description.locator("ins")).toHaveText("moved to spares");
    // Only what changed is listed.
    await expect(update.locator("ul.diff li")).toHaveCount(2);
  });

  await test.step("the site cannot be deleted while things are in it", async () => {
    await goto(page, `/sites/${siteId}`);
    await page.getByRole("link", { name: "Delete", exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/sites/${siteId}/delete$`));
    await ready(page);
    await expect(page.locator("h1")).toHaveText(`Delete site ${site}?`);
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    const alert = page.getByRole("alert");
    await expect(alert).toContainText(`Cannot delete: site ${site} has`);
    await expect(alert).toContainText("1 location");
    await expect(alert).toContainText("1 rack");
    await expect(alert).toContainText("1 device");

    // Still there, with everything in it.
    const res = await page.goto(`/sites/${siteId}`);
    expect(res?.status()).toBe(200);
    await ready(page);
    await expect(page.locator("h1")).toContainText(site);
    for (const [card, name] of [
      ["Locations", location],
      ["Racks", rack],
      ["Devices", device],
    ]) {
      const section = page.locator("section.related-list", { has: page.locator("h2", { hasText: new RegExp(`^${card}`) }) });
      await expect(section.getByRole("link", { name, exact: true })).toBeVisible();
    }
  });
});

test("deleting an unused object removes it, and the change log keeps a record", async ({ page }) => {
  const info = test.info();
  const name = uniq("Gone", info);
  await login(page, "editor");
  const id = await createViaForm(page, "manufacturers", { name, description: "to be removed" });

  await page.getByRole("link", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/manufacturers/${id}/delete$`));
  await ready(page);
  await expect(page.locator("h1")).toHaveText(`Delete manufacturer ${name}?`);
  // Cancel goes back and keeps it.
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(new RegExp(`/manufacturers/${id}$`));
  await ready(page);
  await page.getByRole("link", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/manufacturers/${id}/delete$`));
  await ready(page);
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await expect(page).toHaveURL(/\/manufacturers$/);
  await ready(page);
  await expect(page.locator("main h1")).toHaveText("Manufacturers");

  await goto(page, `/manufacturers?q=${name}`);
  await expect(page.locator("table.objects tbody")).toContainText("No manufacturers found.");
  const res = await page.goto(`/manufacturers/${id}`);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("alert")).toContainText(`There is no manufacturer with id ${id}.`);

  await goto(page, `/changes?object_type=manufacturer&action=delete&user=eddie&limit=500`);
  const row = page.locator("table.changes tbody tr", { hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row.locator("td[data-label=Object]")).toHaveText(`manufacturer ${name}`);
  // The object is gone, so there is nothing to link to; the old values are kept.
  await expect(row.locator("td[data-label=Object] a")).toHaveCount(0);
  await expect(row.locator("ul.diff")).toContainText("to be removed");
});
