import { expect, test } from "@playwright/test";
import { goto, jsOn, login, ready } from "./helpers";

test.describe("on a phone", () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: false, hasTouch: true });

  test("the navigation is hidden behind the menu button until it is opened", async ({ page }) => {
    await login(page, "editor");
    await goto(page, "/");
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

    await link.click();
    await expect(page).toHaveURL(/\/devices$/);
    await ready(page);
    await expect(page.locator("main h1")).toHaveText("Devices");
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

test("with JavaScript the page hydrates and links and forms navigate without reloading", async ({ page }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript: checks client-side navigation of the hydrated app");
  await login(page, "editor");
  await goto(page, "/");
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", /.*/);

  const documents: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "document") documents.push(r.url());
  });
  await page.evaluate(() => ((window as any).__marker = 1));

  await page.locator("nav.sidebar").getByRole("link", { name: "Sites", exact: true }).click();
  await expect(page).toHaveURL(/\/sites$/);
  await expect(page.locator("main h1")).toHaveText("Sites");
  await expect(page).toHaveTitle(/Sites · Census/);

  // A GET form (the list filter) also stays in the page.
  await page.fill("#filter-q", "no-such-site-anywhere");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/sites\?q=no-such-site-anywhere(&|$)/);
  await expect(page.locator("table.objects tbody")).toContainText("No sites found.");

  // And the global search box.
  const box = page.locator("header.topbar form.search input[name=q]");
  await box.fill("nothing-matches-this");
  await box.press("Enter");
  await expect(page).toHaveURL(/\/search\?q=nothing-matches-this$/);
  await expect(page.locator("main")).toContainText("Nothing matches “nothing-matches-this”.");
  await expect(box).toHaveValue("nothing-matches-this");

  // Back goes back in the page too.
  await page.goBack();
  await expect(page).toHaveURL(/\/sites\?q=no-such-site-anywhere(&|$)/);
  await expect(page.locator("#filter-q")).toHaveValue("no-such-site-anywhere");

  expect(await page.evaluate(() => (window as any).__marker)).toBe(1);
  expect(documents).toEqual([]);
});
