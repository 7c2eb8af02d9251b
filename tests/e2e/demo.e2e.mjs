// The planner's first evening, in real WebKit against the real app: start demo mode (simulators inside the app),
// sync all, watch progress, see the runs finish, find the deliberately bad rows among the failed records, retry one
// and see the outcome. Then the same start once in Persian.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chooseSetting, click, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";

let driver;
before(async () => {
  driver = await startDriver();
});
after(() => driver?.stop());

const rowCount = (browser, testId) => browser.execute((id) => document.querySelectorAll(`[data-testid="${id}"]`).length, testId);

test("demo mode: sync all, watch progress, inspect failed records and retry one", async () => {
  const browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseSetting(browser, "settings-language", "en");
    await openScreen(browser, "dashboard");
    const demo = browser.$('[data-testid="demo-start"]');
    await demo.waitForDisplayed({ timeout: 15_000 });
    await screenshot(browser, "demo-01-first-launch");
    await click(browser, '[data-testid="demo-start"]');
    await browser.$('[data-testid="demo-banner"]').waitForDisplayed({ timeout: 30_000 });
    await browser.waitUntil(async () => (await browser.$('[data-testid="stat-entities"]').getText()).includes("3"), {
      timeout: 30_000,
      timeoutMsg: "the demo did not create its three entities",
    });
    await screenshot(browser, "demo-02-ready");

    await click(browser, '[data-testid="sync-all"]');
    await browser.$('[data-testid="live-run"]').waitForDisplayed({ timeout: 30_000 });
    await screenshot(browser, "demo-03-progress");

    await openScreen(browser, "runs");
    await browser.waitUntil(
      async () =>
        browser.execute(() => {
          const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
          return rows.length >= 3 && rows.every((r) => !/Running|Pending/.test(r.textContent ?? ""));
        }),
      { timeout: 180_000, interval: 1000, timeoutMsg: "the three demo runs did not all finish" },
    );
    const runsText = await browser.$('[data-testid="page-runs"]').getText();
    assert.match(runsText, /Completed/, "the runs finished (the bad rows make some complete with errors)");
    await screenshot(browser, "demo-04-runs-finished");

    await openScreen(browser, "failed");
    await browser.waitUntil(async () => (await rowCount(browser, "failed-row")) > 0, {
      timeout: 30_000,
      timeoutMsg: "the demo's bad rows did not show up as failed records",
    });
    await screenshot(browser, "demo-05-failed-records");
    await click(browser, '[data-testid="failed-open"]');
    const retry = browser.$('[data-testid="failed-retry-one"]');
    await retry.waitForDisplayed({ timeout: 10_000 });
    await click(browser, '[data-testid="failed-retry-one"]');
    const result = browser.$('[data-testid="failed-retry-result"]');
    await result.waitForDisplayed({ timeout: 60_000 });
    assert.match(await result.getText(), /resolved/, "the retry reports its outcome per record");
    await screenshot(browser, "demo-06-retried");
    await browser.keys("Escape");
    await browser.$('[data-testid="failed-detail"]').waitForDisplayed({ reverse: true, timeout: 5000 });

    await openScreen(browser, "dashboard");
    await screenshot(browser, "demo-07-dashboard-after");

    await openScreen(browser, "settings");
    await chooseSetting(browser, "settings-language", "fa");
    await openScreen(browser, "runs");
    await screenshot(browser, "demo-08-runs-fa");
    await openScreen(browser, "failed");
    await screenshot(browser, "demo-09-failed-fa");
  } finally {
    await browser.deleteSession();
  }
});
