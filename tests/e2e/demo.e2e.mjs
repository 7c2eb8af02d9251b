// The planner's first evening, in real WebKit against the real app, once in English and once in Persian (right to
// left), each with a fresh data folder: start demo mode (simulators inside the app), sync all, watch progress, open
// the run summary with its rows/s chart, find the deliberately bad rows among the failed records, fix the mapping
// that makes some of them fail, retry, see them resolved and the rest's outcome. Screenshots of every step go to target/e2e-screenshots/demo-<lang>-NN-<step>.png.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseLanguage, chooseSetting, click, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";
import { fixMapping } from "./steps/fixMapping.mjs";

const rowCount = (browser, testId) =>
  browser.execute((id) => document.querySelectorAll(`[data-testid="${id}"]`).length, testId);

/** The statuses of the rows or bars with this test id. */
const statuses = (browser, testId) =>
  browser.execute(
    (id) => [...document.querySelectorAll(`[data-testid="${id}"]`)].map((e) => e.getAttribute("data-status")),
    testId,
  );

async function journey(lang) {
  const shot = (browser, step) => screenshot(browser, `demo-${lang}-${step}`);
  const driver = await startDriver();
  const browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseLanguage(browser, lang);
    const dir = await browser.execute(() => document.documentElement.dir);
    assert.equal(dir, lang === "fa" ? "rtl" : "ltr", "Persian lays out right to left");

    // 1. Demo mode.
    await openScreen(browser, "dashboard");
    await browser.$('[data-testid="demo-start"]').waitForDisplayed({ timeout: 15_000 });
    await shot(browser, "01-first-launch");
    await click(browser, '[data-testid="demo-start"]');
    await browser.$('[data-testid="demo-banner"]').waitForDisplayed({ timeout: 30_000 });
    await browser.waitUntil(async () => /3|۳/.test(await browser.$('[data-testid="stat-entities"]').getText()), {
      timeout: 30_000,
      timeoutMsg: "the demo did not create its three entities",
    });
    await shot(browser, "02-ready");

    // 2. Sync all and watch the progress bars.
    await click(browser, '[data-testid="sync-all"]');
    await browser.$('[data-testid="live-run"]').waitForDisplayed({ timeout: 30_000 });
    await shot(browser, "03-progress");
    // The history (with the bars above it) fills as the three runs go; wait until all three have ended.
    await openScreen(browser, "runs");
    await browser.waitUntil(
      async () => {
        const s = await statuses(browser, "run-row");
        const bars = await statuses(browser, "live-run");
        return s.length >= 3 && !s.includes("running") && !s.includes("pending") && !bars.includes("running");
      },
      { timeout: 180_000, interval: 1000, timeoutMsg: "the three demo runs did not all finish" },
    );
    const ended = await statuses(browser, "run-row");
    assert.ok(
      ended.every((s) => s === "completed" || s === "completed_with_errors"),
      `every demo run got through (bad rows only make some complete with errors): ${ended}`,
    );
    // A finished bar no longer names a stage in progress ("Loading" used to stay): it says the run is done.
    const stages = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="live-run-stage"]')].map((e) => [e.dataset.stage, e.textContent]),
    );
    assert.ok(stages.length > 0, "the finished runs' bars stay for a minute");
    assert.ok(
      stages.every(([stage]) => stage === "done"),
      `finished runs are done: ${JSON.stringify(stages)}`,
    );
    const done = lang === "fa" ? "پایان یافت" : "Done";
    assert.ok(
      stages.every(([, text]) => text === done),
      `the bars say "${done}": ${JSON.stringify(stages)}`,
    );
    await shot(browser, "04-runs-finished");

    // 3. The run summary of the items run, opened from its finished bar (from the history if the bar has gone):
    // counts and the rows/s chart.
    const fromBar = '[data-testid="live-run"][data-entity="inventory_items"] [data-testid="live-run-summary"]';
    const fromHistory = '[data-testid="run-row"][data-entity="inventory_items"] [data-testid="run-open"]';
    await click(browser, (await browser.$(fromBar).isExisting()) ? fromBar : fromHistory);
    await browser.$('[data-testid="page-run"]').waitForDisplayed({ timeout: 15_000 });
    await browser.$('[data-testid="run-rate-chart"]').waitForDisplayed({ timeout: 20_000 });
    await browser.$('[data-testid="run-rate-chart"] .recharts-area').waitForExist({ timeout: 10_000 });
    const fetched = await browser.$('[data-testid="count-fetched"]').getText();
    assert.match(fetched, /5[,٬]?000|۵[٬,]?۰۰۰/, `the items run fetched the demo's 5,000 rows: ${fetched}`);
    await shot(browser, "05-run-summary");

    // 4. The deliberately bad rows are failed records.
    await openScreen(browser, "failed");
    await browser.waitUntil(async () => (await rowCount(browser, "failed-row")) > 0, {
      timeout: 30_000,
      timeoutMsg: "the demo's bad rows did not show up as failed records",
    });
    await shot(browser, "06-failed-records");

    // 5. Fix a mapping: the items without a description fail validation until the DESCRIPTION mapping gets a
    // default; the planner previews, saves, retries the entity's failed records and sees them resolved
    // (tests/e2e/steps/fixMapping.mjs; its screenshots are fix-mapping-<lang>-NN-*.png).
    const { resolved } = await fixMapping(browser, lang);
    assert.ok(resolved > 0, "fixing the mapping resolved failed records");
    await openScreen(browser, "failed");
    await chooseSetting(browser, "failed-stage-filter", "");
    await browser.waitUntil(async () => (await rowCount(browser, "failed-row")) > 0, {
      timeout: 30_000,
      timeoutMsg: "the bad rows no mapping can repair are still listed",
    });

    // 6. The rest fail for reasons no mapping repairs: retry one from its detail panel: its outcome shows.
    await click(browser, '[data-testid="failed-open"]');
    await browser.$('[data-testid="failed-retry-one"]').waitForDisplayed({ timeout: 10_000 });
    await click(browser, '[data-testid="failed-retry-one"]');
    const one = browser.$('[data-testid="failed-retry-outcome"]');
    await one.waitForDisplayed({ timeout: 60_000 });
    assert.ok(["resolved", "parked", "failed"].includes(await one.getAttribute("data-outcome")));
    await shot(browser, "07-retried-one");
    await browser.keys("Escape");
    await browser.$('[data-testid="failed-detail"]').waitForDisplayed({ reverse: true, timeout: 5000 });

    // 7. Retry all matching the filter: the totals and each record's outcome.
    await click(browser, '[data-testid="failed-retry-all"]');
    const result = browser.$('[data-testid="failed-retry-result"]');
    await result.waitForDisplayed({ timeout: 120_000 });
    assert.ok((await rowCount(browser, "retry-outcome")) > 0, "each retried record has an outcome");
    await shot(browser, "08-retried-all");

    await openScreen(browser, "dashboard");
    await shot(browser, "09-dashboard-after");
  } finally {
    await browser.deleteSession();
    driver.stop();
  }
}

for (const lang of ["en", "fa"]) {
  test(`demo journey in ${lang}: demo mode, sync all, progress, run summary, failed records, fix a mapping, retry`, () =>
    journey(lang));
}
