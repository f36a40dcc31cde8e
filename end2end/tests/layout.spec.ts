import { expect, Page, test } from "./fixtures";
import { goto, jsOn, login, navLink, ready, searchBox, uniq } from "./helpers";

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 740 } });

  test("the navigation is hidden behind the menu button until it is opened", async ({ page }) => {
    await login(page, "editor");
    await goto(page, "/overview");
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    const sidebar = page.locator("nav.sidebar");
    const button = page.locator("header.topbar label.nav-button");
    await expect(button).toBeVisible();
    await expect(button).toHaveText("☰");
    await expect(sidebar).toBeHidden();
    await expect(sidebar.getByRole("link", { name: "Devices" })).toBeHidden();
    // The top bar fits the screen: nothing scrolls sideways.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    await button.click();
    await expect(page.locator("#nav-toggle")).toBeChecked();
    await expect(sidebar).toBeVisible();
    const link = sidebar.getByRole("link", { name: "Devices", exact: true });
    await expect(link).toBeVisible();
    await expect(link).toBeInViewport();
    // Let the slide-in transition finish (Playwright's "stable" check can stall on a moving
    // element when JavaScript is off).
    await expect(sidebar).toHaveCSS("transform", "none");

    await link.click();
    await expect(page).toHaveURL(/\/devices$/);
    await ready(page);
    await expect(page.locator("main h1")).toHaveText("Devices");
    // The list fits the phone's width (wide tables scroll inside their box, not the page).
    const listOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(listOverflow).toBeLessThanOrEqual(0);
    // Having chosen a page, the menu is out of the way again.
    await expect(sidebar).toBeHidden();

    // It can be opened and closed with the same button.
    await button.click();
    await expect(sidebar).toBeVisible();
    await button.click();
    await expect(sidebar).toBeHidden();
  });
});

test("on a wide screen the navigation is always shown and the menu button is not", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await login(page, "editor");
  await goto(page, "/sites");
  await expect(page.locator("nav.sidebar")).toBeVisible();
  await expect(page.locator("label.nav-button")).toBeHidden();
  await page.locator("nav.sidebar").getByRole("link", { name: "Regions" }).click();
  await expect(page).toHaveURL(/\/regions$/);
  await expect(page.locator("main h1")).toHaveText("Regions");
});

/** Collects the full page loads (document requests) of a page from now on. */
function watchDocuments(page: Page): string[] {
  const documents: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "document") documents.push(`${r.method()} ${r.url()}`);
  });
  return documents;
}

const marker = (page: Page) => page.evaluate(() => (window as any).__marker);

test("with JavaScript the page hydrates and links navigate without reloading", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: checks client-side navigation of the hydrated app");
  await login(page, "editor");
  await goto(page, "/overview");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", /.*/);
  const documents = watchDocuments(page);
  await page.evaluate(() => ((window as any).__marker = 1));

  await (await navLink(page, "Tenants")).click();
  await expect(page).toHaveURL(/\/tenants$/);
  await expect(page.locator("main h1")).toHaveText("Tenants");
  await expect(page).toHaveTitle("Tenants · Census");
  expect(await marker(page), "after a sidebar link").toBe(1);

  // A sort header is a link too (on a phone, where rows are cards, the "Sort by" choice).
  if ((page.viewportSize()?.width ?? 1280) < 640) {
    await page.selectOption("#filter-ordering", { label: "Name ↑" });
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/\/tenants\?(.*&)?ordering=name(&|$)/);
  } else {
    await page.locator("table.objects thead th", { hasText: "Name" }).getByRole("link").click();
    await expect(page).toHaveURL(/\/tenants\?ordering=name$/);
  }
  await expect(page.locator("table.objects thead th", { hasText: "Name" })).toHaveAttribute("aria-sort", "ascending");
  expect(await marker(page), "after a sort link").toBe(1);

  // Back goes back within the page too.
  await page.goBack();
  await expect(page).toHaveURL(/\/tenants$/);
  await expect(page.locator("table.objects thead th", { hasText: "Name" })).toHaveAttribute("aria-sort", "none");
  await page.goBack();
  await expect(page).toHaveURL(/\/overview$/);
  await expect(page.locator("main h1")).toHaveText("Overview");
  expect(await marker(page), "after going back").toBe(1);
  expect(documents).toEqual([]);
});

test("with JavaScript a form post (Save) runs without reloading the page", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: checks that server actions run in the hydrated app");
  await login(page, "editor");
  await goto(page, "/tenants/new");
  const documents = watchDocuments(page);
  await page.evaluate(() => ((window as any).__marker = 1));
  const name = uniq("NoReload", test.info());
  await page.fill("#f-name", name);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(/\/tenants\/\d+$/);
  await expect(page.locator("main h1")).toHaveText(name);
  expect(await marker(page)).toBe(1);
  expect(documents).toEqual([]);
});

test("with JavaScript the GET forms (filters, page size, search) navigate without reloading", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: checks client-side navigation of the hydrated app");
  await login(page, "editor");
  await goto(page, "/sites");
  const documents = watchDocuments(page);
  await page.evaluate(() => ((window as any).__marker = 1));

  // The list filter bar.
  await page.fill("#filter-q", "no-such-site-anywhere");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/sites\?q=no-such-site-anywhere(&|$)/);
  await expect(page.locator("table.objects tbody")).toContainText("No sites found.");
  expect(await marker(page), "after the filter form").toBe(1);

  // The page-size chooser.
  await page.locator("select[name=limit]").selectOption("25");
  await page.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/[?&]limit=25(&|$)/);
  expect(await marker(page), "after the page-size form").toBe(1);

  // The global search box.
  const box = await searchBox(page);
  await box.fill("nothing-matches-this");
  await box.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=nothing-matches-this$/);
  await expect(page.locator("main")).toContainText("Nothing matches “nothing-matches-this”.");
  await expect(box).toHaveValue("nothing-matches-this");
  expect(await marker(page), "after the search box").toBe(1);
  expect(documents).toEqual([]);
});
