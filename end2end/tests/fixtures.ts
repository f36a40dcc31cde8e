// Every spec's `test`: Playwright's, with the Content-Security-Policy watched. Census sends a
// strict policy on every page (scripts from itself and the hydration script by nonce only); a
// violation Chromium reports in any page of the test's browser context fails the test.
import { BrowserContext, expect, test as base } from "@playwright/test";

export * from "@playwright/test";

/** What Chromium logs when the Content-Security-Policy blocks something. */
const CSP = /Content Security Policy|Content-Security-Policy/i;

/** Collect the policy violations reported in `context`'s pages into `into`. */
export function watchPolicy(context: BrowserContext, into: string[]) {
  context.on("console", (m) => {
    if (CSP.test(m.text())) into.push(`${m.type()}: ${m.text()}`);
  });
}

export const test = base.extend<{ policyViolations: string[] }>({
  policyViolations: [
    async ({ context }, use) => {
      const found: string[] = [];
      watchPolicy(context, found);
      await use(found);
      expect(found, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
});
