import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Every spec runs twice: with JavaScript (hydrated, client-side navigation) and without (plain
// HTML forms and links). Each run has its own Census release binary on its own empty SQLite
// database; the setup spec creates the first admin there before the other specs run.
const bin = process.env.CENSUS_BIN ?? resolve(__dirname, "../target/release/census");
const site = process.env.CENSUS_SITE_ROOT ?? resolve(__dirname, "../target/site");
const ports = { js: 3201, nojs: 3202 };

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
    },
  };
}

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

function mode(name: "js" | "nojs") {
  const use = {
    baseURL: `http://127.0.0.1:${ports[name]}`,
    javaScriptEnabled: name === "js",
    launchOptions,
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
  projects: [...mode("js"), ...mode("nojs")],
  webServer: [server(ports.js), server(ports.nojs)],
});
