// Measures the failed-record inspector's first paint in the real app (WebKit) on a big database: 100,000 open failed
// records and a 1,000,000-row record index, seeded through the core by its `seed_inspector` example. Not part of
// `npm test` (seeding takes minutes); run it by hand under the same wrappers as the e2e tests:
//   cargo run -p syncflow-core --example seed_inspector -- /tmp/sf-big 100000 1000000
//   xvfb-run -a dbus-run-session -- node inspector-perf.mjs /tmp/sf-big
import assert from "node:assert/strict";
import { launchApp, screenshot, startDriver } from "./harness.mjs";

const dataDir = process.argv[2];
assert.ok(dataDir, "usage: node inspector-perf.mjs SEEDED_DATA_DIR");

/** Clicks `selector` inside the page and waits until `rows` failed-record rows show and the range starts at `from`;
 * answers the milliseconds in between, measured by the page's own clock up to the next frame (what the planner
 * sees). The condition is data, not code: the app's CSP forbids evaluating strings. */
function timeInPage(browser, selector, rows, from) {
  return browser.executeAsync(
    (sel, n, first, done) => {
      const ready = () => {
        const range = document.querySelector('[data-testid="pager-range"]');
        return (
          document.querySelectorAll('[data-testid="failed-row"]').length === n &&
          range !== null &&
          range.textContent.startsWith(first)
        );
      };
      const t0 = performance.now();
      document.querySelector(sel).click();
      const check = () =>
        ready() ? requestAnimationFrame(() => done(Math.round(performance.now() - t0))) : setTimeout(check, 2);
      check();
    },
    selector,
    rows,
    from,
  );
}

const driver = await startDriver({ SYNCFLOW_DATA_DIR: dataDir });
const browser = await launchApp(driver);
try {
  const figures = {};
  figures.firstPaint = await timeInPage(browser, '[data-testid="nav-failed"]', 25, "1–25");
  const range = await browser.$('[data-testid="pager-range"]').getText();
  assert.match(range, /100,000/, `the inspector counts every open record: ${range}`);
  await screenshot(browser, "inspector-100k-first-page");
  figures.nextPage = await timeInPage(browser, '[data-testid="pager"] button:last-child', 25, "26–50");
  await browser.$('[data-testid="failed-stage-filter"]').selectByAttribute("value", "load");
  const t0 = Date.now();
  await browser.waitUntil(async () => /25,000/.test(await browser.$('[data-testid="pager-range"]').getText()), {
    timeout: 30_000,
    interval: 5,
  });
  figures.stageFilter = Date.now() - t0;
  console.log(JSON.stringify({ failedRecords: 100_000, ...figures }));
} finally {
  await browser.deleteSession();
  driver.stop();
}
