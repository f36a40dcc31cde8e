import { expect, test } from "./fixtures";
import { goto, jsOn, login } from "./helpers";

// The security headers on real pages, with the page working under them (hydrated with
// JavaScript, plain forms without), and the policy watcher itself proven to catch a violation.

test("pages carry the security headers and work under their policy", async ({ page }) => {
  await login(page, "viewer");
  const res = await page.goto("/devices");
  expect(res).not.toBeNull();
  const h = res!.headers();
  const csp = h["content-security-policy"];
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("'wasm-unsafe-eval'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("'unsafe-eval' ");
  expect(h["x-frame-options"]).toBe("DENY");
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("same-origin");
  if (jsOn(test.info())) {
    // The WebAssembly loaded and hydrated the page under the policy.
    await page.waitForSelector("body[data-hydrated]", { timeout: 20_000 });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator("nav.sidebar").getByRole("link", { name: "Regions" }).click();
    await expect(page).toHaveURL(/\/regions/);
  }
  await goto(page, "/devices");
  await expect(page.locator("h1")).toContainText("Devices");
});

test("an inline script without the nonce is blocked and reported", async ({ page, policyViolations }) => {
  test.skip(!jsOn(test.info()), "needs JavaScript");
  await login(page, "viewer");
  await goto(page, "/");
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "document.body.dataset.injected = 'ran'";
    document.body.appendChild(s);
  });
  await expect.poll(() => policyViolations.length).toBeGreaterThan(0);
  expect(await page.evaluate(() => document.body.dataset.injected ?? "blocked")).toBe("blocked");
  // Proven; this test's own violation is not a failure.
  policyViolations.length = 0;
});
