import { APIRequestContext, Browser, expect, Page, test, TestInfo, watchPolicy } from "./fixtures";

/** The accounts the setup spec creates in each run's fresh database. */
export const USERS = {
  admin: { username: "admin", password: "admin-pass-123" },
  editor: { username: "eddie", password: "editor-pass-123" },
  viewer: { username: "vera", password: "viewer-pass-123" },
};
export type Who = keyof typeof USERS;

/** Whether this project runs with JavaScript. */
export function jsOn(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** With JavaScript, wait until the page is hydrated (interactive) before using it. */
export async function ready(page: Page) {
  if (jsOn(test.info())) {
    await page.waitForSelector("body[data-hydrated]", { timeout: 20_000 });
  }
}

/**
 * A link of the main navigation, ready to click: on a phone the menu is opened first (the
 * navigation hides behind the menu button there).
 */
export async function navLink(page: Page, name: string) {
  const button = page.locator("header.topbar label.nav-button");
  if (await button.isVisible()) {
    if (!(await page.locator("#nav-toggle").isChecked())) await button.click();
    await expect(page.locator("nav.sidebar")).toHaveCSS("transform", "none");
  }
  return page.locator("nav.sidebar").getByRole("link", { name, exact: true });
}

/** The global search box, ready to type in: on a phone its icon opens it first. */
export async function searchBox(page: Page) {
  const box = page.locator("header.topbar form.search input[name=q]");
  const icon = page.locator("header.topbar label.search-button");
  if ((await icon.isVisible()) && !(await box.isVisible())) await icon.click();
  await expect(box).toBeVisible();
  return box;
}

export async function goto(page: Page, path: string) {
  await page.goto(path);
  await ready(page);
}

export async function login(page: Page, who: Who) {
  const u = USERS[who];
  await goto(page, "/login");
  await page.fill("#username", u.username);
  await page.fill("#password", u.password);
  await page.click("button[type=submit]");
  await expect(page).not.toHaveURL(/\/login/);
  await ready(page);
}

/** A name unique to this test run and project. */
export function uniq(prefix: string, testInfo: TestInfo): string {
  return `${prefix}-${testInfo.project.name}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

/** The id at the end of the current URL (`/sites/12` → 12). */
export function idFromUrl(page: Page): number {
  const m = new URL(page.url()).pathname.match(/\/(\d+)$/);
  if (!m) throw new Error(`no id in ${page.url()}`);
  return Number(m[1]);
}

/**
 * Fill an object form: keys are field names (`#f-<name>`); a <select> is chosen by its visible
 * label, anything else is typed.
 */
export async function fillForm(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    const el = page.locator(`#f-${name}`);
    const tag = await el.evaluate((e) => e.tagName);
    if (tag === "SELECT") {
      await el.selectOption({ label: value });
    } else {
      await el.fill(value);
    }
  }
}

/** Create an object through its "Add" form; returns its id (we land on its detail page). */
export async function createViaForm(page: Page, slug: string, values: Record<string, string>): Promise<number> {
  await goto(page, `/${slug}/new`);
  await fillForm(page, values);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page).toHaveURL(new RegExp(`/${slug}/\\d+$`));
  await ready(page);
  return idFromUrl(page);
}

/** Create an API token on the tokens page as the signed-in user; returns the secret. */
export async function createToken(page: Page, description: string): Promise<string> {
  await goto(page, "/tokens");
  await page.fill("#description", description);
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = page.locator(".new-token input.token-secret");
  await expect(secret).toBeVisible();
  const value = await secret.inputValue();
  expect(value).toMatch(/^census_/);
  return value;
}

/**
 * Sign in as `who` in a throwaway browser context, create an API token on the tokens page and
 * return it: for setting up test data quickly through the REST API. It always uses a context
 * with JavaScript (whatever the project), as the data setup does not depend on the mode under
 * test; tokens.spec.ts tests the tokens page in both modes.
 */
export async function tokenFor(browser: Browser, who: Who): Promise<string> {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const violations: string[] = [];
  watchPolicy(context, violations);
  const page = await context.newPage();
  const hydrated = () => page.waitForSelector("body[data-hydrated]", { timeout: 20_000 });
  try {
    await page.goto("/login");
    await hydrated();
    await page.fill("#username", USERS[who].username);
    await page.fill("#password", USERS[who].password);
    await page.click("button[type=submit]");
    await expect(page).not.toHaveURL(/\/login/);
    await page.goto("/tokens");
    await hydrated();
    await page.fill("#description", `e2e data setup ${Date.now()}`);
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = page.locator(".new-token input.token-secret");
    await expect(secret).toBeVisible();
    expect(violations, "Content-Security-Policy violations").toEqual([]);
    return await secret.inputValue();
  } finally {
    await context.close();
  }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * The `Origin` a page of this Census sends with its own requests: writes made with the
 * browser's session cookie (`page.request`) need it, as Census refuses cross-site writes.
 */
export const sameOrigin = () => ({ Origin: String(test.info().project.use.baseURL) });

/** POST one object (or an array) to the REST API; returns the created JSON. */
export async function apiCreate(request: APIRequestContext, token: string, slug: string, body: unknown) {
  const res = await request.post(`/api/v1/${slug}/`, { headers: bearer(token), data: body });
  expect(res.status(), `POST /api/v1/${slug}/: ${await res.text()}`).toBe(201);
  return res.json();
}

/** The texts of the title cells (first links) of the list table's rows. */
export async function rowNames(page: Page): Promise<string[]> {
  return page.locator("table.objects tbody td.title a").allTextContents();
}
