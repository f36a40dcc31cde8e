import { expect, test } from "./fixtures";
import { apiCreate, fillForm, goto, login, ready, rowNames, tokenFor, uniq } from "./helpers";

// Sites (and a location) to place things in, created through the REST API.
let token = "";
test.beforeAll(async ({ browser }) => {
  token = await tokenFor(browser, "editor");
});

test("a device with a bad MAC, a bad IPv4 and no name shows errors under those fields and is not created", async ({
  page,
  request,
}) => {
  const info = test.info();
  const site = await apiCreate(request, token, "sites", { name: uniq("ValSite", info) });
  const serial = uniq("VALSN", info);

  await login(page, "editor");
  await goto(page, "/devices/new");
  // The browser itself refuses an empty required name.
  await expect(page.locator("#f-name")).toHaveAttribute("required", "");
  // Blanks pass the browser's check but not the server's.
  await fillForm(page, {
    name: "   ",
    site_id: site.name,
    serial,
    mac_address: "00:11:22:33:44:zz",
    primary_ipv4: "10.0.0.300",
  });
  await page.getByRole("button", { name: "Save" }).click();

  await expect(page.locator("#err-mac_address")).toContainText("is not a MAC address");
  await expect(page.locator("#err-primary_ipv4")).toContainText("is not an IPv4 address");
  await expect(page.locator("#err-name")).toContainText("this field is required");
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page).toHaveURL(/\/devices\/new(\?|$)/);
  // Fields without a problem have no error, and the fields with one are marked.
  await expect(page.locator("#err-serial")).toHaveCount(0);
  await expect(page.locator("#err-site_id")).toHaveCount(0);
  await expect(page.locator("#f-mac_address")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator("#f-serial")).toHaveAttribute("aria-invalid", "false");
  // What was typed is still there.
  await expect(page.locator("#f-mac_address")).toHaveValue("00:11:22:33:44:zz");
  await expect(page.locator("#f-primary_ipv4")).toHaveValue("10.0.0.300");
  await expect(page.locator("#f-serial")).toHaveValue(serial);
  await expect(page.locator("#f-site_id")).toHaveValue(String(site.id));

  // Nothing was created.
  await goto(page, `/devices?q=${serial}`);
  await expect(page.locator("table.objects tbody")).toContainText("No devices found.");
  await expect(page.locator(".pager-pos")).toHaveText("No results");
  const api = await request.get(`/api/v1/devices/?serial=${serial}`, { headers: { Authorization: `Bearer ${token}` } });
  expect((await api.json()).count).toBe(0);
});

test("after a rejected save, correcting the fields creates the object", async ({ page }) => {
  const info = test.info();
  const name = uniq("dev", info);
  await login(page, "editor");
  const site = await apiCreate(page.request, token, "sites", { name: uniq("FixSite", info) });
  await goto(page, "/devices/new");
  await fillForm(page, { name, site_id: site.name, mac_address: "not-a-mac" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#err-mac_address")).toContainText("is not a MAC address");
  await ready(page);
  await expect(page.locator("#f-name")).toHaveValue(name);

  await fillForm(page, { mac_address: "00-1A-2B-3C-4D-5E" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/devices\/\d+$/);
  await ready(page);
  await expect(page.locator("h1")).toContainText(name);
  await expect(page.locator("dl.props")).toContainText("00:1a:2b:3c:4d:5e");
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("a site name that exists in another case is refused on the name field", async ({ page, request }) => {
  const name = uniq("Dup-Site", test.info());
  await apiCreate(request, token, "sites", { name });

  await login(page, "editor");
  await goto(page, "/sites/new");
  await fillForm(page, { name: name.toUpperCase() });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#err-name")).toContainText("a site with this name already exists");
  await expect(page.locator("#f-name")).toHaveValue(name.toUpperCase());
  await expect(page).toHaveURL(/\/sites\/new(\?|$)/);

  // Still only the original.
  await goto(page, `/sites?q=${encodeURIComponent(name)}`);
  await expect.poll(() => rowNames(page)).toEqual([name]);
});

test("a location whose parent is in another site is refused on the parent field", async ({ page, request }) => {
  const info = test.info();
  const siteA = await apiCreate(request, token, "sites", { name: uniq("SiteA", info) });
  const siteB = await apiCreate(request, token, "sites", { name: uniq("SiteB", info) });
  const parent = await apiCreate(request, token, "locations", { name: uniq("Hall", info), site_id: siteB.id });
  const name = uniq("Cage", info);

  await login(page, "editor");
  await goto(page, "/locations/new");
  await fillForm(page, { name, site_id: siteA.name, parent_id: `${parent.name} (${siteB.name})` });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#err-parent_id")).toContainText(
    `the parent location ${parent.name} is in site ${siteB.name}, not ${siteA.name}`,
  );
  await expect(page.locator("#err-name")).toHaveCount(0);
  await expect(page.locator("#f-name")).toHaveValue(name);
  await expect(page.locator("#f-parent_id")).toHaveValue(String(parent.id));

  await goto(page, `/locations?q=${encodeURIComponent(name)}`);
  await expect(page.locator("table.objects tbody")).toContainText("No locations found.");
});

test("an invalid edit changes nothing", async ({ page, request }) => {
  const info = test.info();
  const site = await apiCreate(request, token, "sites", { name: uniq("TzSite", info), time_zone: "Europe/Prague" });

  await login(page, "editor");
  await goto(page, `/sites/${site.id}/edit`);
  await fillForm(page, { time_zone: "Mars/Olympus_Mons", facility: "should not be saved" });
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.locator("#err-time_zone")).toContainText("is not a time zone name");
  await expect(page.locator("#f-time_zone")).toHaveValue("Mars/Olympus_Mons");
  await expect(page.locator("#f-facility")).toHaveValue("should not be saved");

  await goto(page, `/sites/${site.id}`);
  await expect(page.locator("dl.props")).toContainText("Europe/Prague");
  await expect(page.locator("dl.props")).not.toContainText("should not be saved");
  const history = page.locator("section.card", { has: page.locator("h2", { hasText: "History" }) });
  await expect(history.locator("h2")).toContainText("(1 change)");
});
