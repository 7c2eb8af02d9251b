// The nightly scheduler in real WebKit against the real app: the app's clock is moved (debug builds only,
// SYNCFLOW_CLOCK_OFFSET_SECS, in UTC) to a little before 19:00, two demo entities get the default nightly window
// (19:00–07:00), and when the clock reaches the window the scheduler starts them by itself: the tray state goes
// idle → running → idle/attention with the last run's summary, and the night's result is notified.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chooseLanguage, chooseSetting, click, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";

/** Seconds from now to the next 18:58:30 UTC: the app starts 90 s before its window opens (room for a slow launch,
 * the demo's start and two schedule edits, which take about 20 s on a loaded machine). */
function offsetToJustBeforeTheWindow() {
  const now = new Date();
  const target = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 18, 58, 30));
  if (target <= now) target.setUTCDate(target.getUTCDate() + 1);
  return Math.round((target.getTime() - now.getTime()) / 1000);
}

let driver;
before(async () => {
  driver = await startDriver({ TZ: "UTC", SYNCFLOW_CLOCK_OFFSET_SECS: String(offsetToJustBeforeTheWindow()) });
});
after(() => driver?.stop());

const trayState = (browser) =>
  browser.executeAsync((done) => {
    window.__TAURI_INTERNALS__
      .invoke("tray_state")
      .then(done)
      .catch((e) => done({ error: String(e) }));
  });

async function makeNightly(browser, entityName) {
  await browser.waitUntil(
    async () =>
      browser.execute(
        (name) =>
          [...document.querySelectorAll('[data-testid="schedule-row"]')].some((r) => r.textContent.includes(name)),
        entityName,
      ),
    { timeout: 15_000, timeoutMsg: `no schedule row for ${entityName}` },
  );
  await browser.execute((name) => {
    const row = [...document.querySelectorAll('[data-testid="schedule-row"]')].find((r) =>
      r.textContent.includes(name),
    );
    row.querySelector('[data-testid="schedule-edit"]').click();
  }, entityName);
  const editor = browser.$('[data-testid="schedule-editor"]');
  await editor.waitForDisplayed({ timeout: 10_000 });
  await chooseSetting(browser, "schedule-mode", "nightly");
  await click(browser, '[data-testid="schedule-save"]');
  await editor.waitForDisplayed({ reverse: true, timeout: 10_000 });
}

test("the scheduler starts tonight's runs when the app's clock reaches the window, and the tray follows", async () => {
  const browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "en");
    await openScreen(browser, "dashboard");
    await click(browser, '[data-testid="demo-start"]');
    await browser.$('[data-testid="demo-banner"]').waitForDisplayed({ timeout: 30_000 });

    await openScreen(browser, "schedules");
    const status = browser.$('[data-testid="tray-status"]');
    await status.waitForDisplayed({ timeout: 15_000 });
    assert.equal(await status.getAttribute("data-state"), "idle", "nothing has run yet");
    // Every state the status area shows from now on, however briefly (a small entity syncs in a second).
    await browser.execute(() => {
      const el = document.querySelector('[data-testid="tray-status"]');
      window.__trayStates = [el.dataset.state];
      new MutationObserver(() => {
        const now = document.querySelector('[data-testid="tray-status"]')?.dataset.state;
        if (now && window.__trayStates.at(-1) !== now) window.__trayStates.push(now);
      }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ["data-state"], childList: true });
    });
    await makeNightly(browser, "sites");
    await makeNightly(browser, "inventory_items");
    // The next run reads "in a minute or so" by the app's clock (just before 19:00), not hours by the browser's.
    await browser.waitUntil(
      async () =>
        browser.execute(() =>
          [...document.querySelectorAll('[data-testid="schedule-row"]')]
            .filter((r) => r.textContent.includes("inventory_items"))
            .some((r) => /in \d+ (second|minute)s?/.test(r.textContent)),
        ),
      { timeout: 15_000, timeoutMsg: "the next run is not shown minutes away by the app's clock" },
    );
    await screenshot(browser, "schedule-01-before-the-window");
    const statesBefore = await browser.execute(() => window.__trayStates.length);
    assert.equal(statesBefore, 1, "saving schedules before the window starts nothing");

    // The app's clock reaches 19:00 90 s after launch; the 30 s tick then starts the parent first.
    await browser.waitUntil(async () => browser.execute(() => window.__trayStates.includes("running")), {
      timeout: 240_000,
      interval: 500,
      timeoutMsg: "no scheduled run started when the app's clock entered the window",
    });
    await screenshot(browser, "schedule-02-running");

    await browser.waitUntil(
      async () => {
        const s = await trayState(browser);
        return s.state !== "running" && /inventory_items/.test(s.lastRun ?? "");
      },
      { timeout: 240_000, interval: 1000, timeoutMsg: "the scheduled runs did not finish" },
    );
    const afterRuns = await trayState(browser);
    assert.match(afterRuns.tooltip, /last run/, "the tooltip carries the last run's summary");
    assert.ok(["idle", "attention"].includes(afterRuns.state), `the tray left 'running': ${afterRuns.state}`);
    assert.equal(await status.getAttribute("data-state"), afterRuns.state, "the status area shows what the tray shows");

    // One tick later the night's work is over: the summary notification is decided.
    await browser.waitUntil(
      async () => /Nightly sync finished/.test((await trayState(browser)).lastNotification ?? ""),
      {
        timeout: 90_000,
        interval: 1000,
        timeoutMsg: "no notification with the night's result",
      },
    );

    await openScreen(browser, "runs");
    await browser.waitUntil(
      async () => browser.execute(() => document.querySelectorAll('[data-testid="run-row"]').length >= 2),
      { timeout: 30_000, timeoutMsg: "the scheduled runs are not in the history" },
    );
    await screenshot(browser, "schedule-03-runs-after-the-night");
  } finally {
    await browser.deleteSession();
  }
});
