import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Every spec runs four times: with JavaScript (hydrated, client-side navigation) and without
// (plain HTML forms and links), each on a laptop's screen and on a phone's. Each run has its own
// Census release binary on its own empty SQLite database; the setup spec creates the first admin
// there before the other specs run.
const bin = process.env.CENSUS_BIN ?? resolve(__dirname, "../target/release/census");
const site = process.env.CENSUS_SITE_ROOT ?? resolve(__dirname, "../target/site");
const ports = { js: 3201, nojs: 3202, "js-phone": 3203, "nojs-phone": 3204 };
type Mode = keyof typeof ports;
/** A phone's screen (the iPhone 12 to 15's, in CSS pixels). */
const phoneViewport = { width: 390, height: 844 };
// Mock NinjaOne and ThreatLocker APIs (served by the same binary) for the collection specs.
const mocks = { ninja: 3291, threatlocker: 3292 };

function server(port: number) {
  const dir = mkdtempSync(join(tmpdir(), "census-e2e-"));
  return {
    command: `"${bin}" serve --addr 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore" as const,
    stderr: "pipe" as const,
    env: {
      CENSUS_DATABASE_URL: `sqlite://${join(dir, "census.db")}?mode=rwc`,
      CENSUS_SITE_ROOT: site,
      CENSUS_LOG: "warn",
      CENSUS_NINJA_URL: `http://127.0.0.1:${mocks.ninja}`,
      CENSUS_NINJA_CLIENT_ID: "census-test",
      CENSUS_NINJA_CLIENT_SECRET: "s3cret-ninja",
      CENSUS_THREATLOCKER_URL: `http://127.0.0.1:${mocks.threatlocker}`,
      CENSUS_THREATLOCKER_API_KEY: "tl-key-123",
      // Runs start only when a spec starts them.
      CENSUS_SCHEDULE_NINJA: "off",
      CENSUS_SCHEDULE_THREATLOCKER: "off",
      CENSUS_SCHEDULE_RETENTION: "off",
    },
  };
}

const mockSources = {
  command: `"${bin}" mock-sources --ninja-addr 127.0.0.1:${mocks.ninja} --threatlocker-addr 127.0.0.1:${mocks.threatlocker} --devices 120 --orgs 5`,
  port: mocks.ninja,
  reuseExistingServer: false,
  timeout: 60_000,
  stdout: "ignore" as const,
  stderr: "pipe" as const,
};

const launchOptions = {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

function mode(name: Mode) {
  const use = {
    baseURL: `http://127.0.0.1:${ports[name]}`,
    javaScriptEnabled: !name.startsWith("nojs"),
    launchOptions,
    ...(name.endsWith("phone") ? { viewport: phoneViewport } : {}),
  };
  return [
    { name: `setup-${name}`, testMatch: /setup\.spec\.ts/, use },
    { name, testIgnore: /setup\.spec\.ts/, dependencies: [`setup-${name}`], use },
  ];
}

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  use: { trace: "retain-on-failure", actionTimeout: 10_000 },
  projects: [...mode("js"), ...mode("nojs"), ...mode("js-phone"), ...mode("nojs-phone")],
  webServer: [mockSources, ...Object.values(ports).map(server)],
});
