// The journey step "fix a mapping": after a sync, the planner finds the items that failed because ScheduleHub needs
// a description the ERP does not always have (validate stage), opens the entity's field mappings, previews fresh
// rows, gives the DESCRIPTION mapping a default, saves, retries the failed records and sees them resolved.
// Language-neutral: it finds everything by test id and data attributes, so it runs in any of the four languages.
import assert from "node:assert/strict";
import { chooseSetting, click, openScreen, screenshot } from "../harness.mjs";

const count = (browser, selector) => browser.execute((s) => document.querySelectorAll(s).length, selector);

/** Runs the step on a demo-mode app whose entities have synced; returns how many records the fix resolved. */
export async function fixMapping(browser, lang = "en") {
  const shot = (name) => screenshot(browser, `fix-mapping-${lang}-${name}`);

  // 1. The failed records: validation failures, the missing descriptions among them.
  await openScreen(browser, "failed");
  await chooseSetting(browser, "failed-stage-filter", "validate");
  await browser.waitUntil(async () => (await count(browser, '[data-testid="failed-row"]')) > 0, {
    timeout: 30_000,
    timeoutMsg: "no validation failures after the sync: the demo's items without a description should fail",
  });
  const firstFailure = await browser.$('[data-testid="failed-row"]').getText();
  assert.match(firstFailure, /DESCRIPTION/, "the failed record names the field at fault");
  await shot("01-failed-records");

  // 2. The entity's field mappings, with a live preview of fresh rows.
  await openScreen(browser, "mappings");
  await click(browser, '[data-testid="mapping-entity"][data-entity="inventory_items"]');
  await browser
    .$('[data-testid="mapping-editor"][data-entity="inventory_items"]')
    .waitForDisplayed({ timeout: 15_000 });
  const row = '[data-testid="mapping-row"][data-source="DESCRIPTION"]';
  await browser.$(row).waitForDisplayed({ timeout: 15_000 });
  await chooseSetting(browser, "mapping-preview-rows", "50");
  await click(browser, '[data-testid="mapping-preview"]');
  await browser.$('[data-testid="preview-row"]').waitForDisplayed({ timeout: 30_000 });
  await browser
    .$('[data-testid="preview-row"][data-ok="false"] [data-testid="preview-error"]')
    .scrollIntoView({ block: "center" });
  const previewError = await browser
    .$('[data-testid="preview-row"][data-ok="false"] [data-testid="preview-error"]')
    .getText();
  assert.match(previewError, /DESCRIPTION/, "the preview shows a fresh row failing on the missing description");
  await shot("02-mapping-and-preview");

  // 3. The fix: a default for the required description; the preview passes; save.
  const input = browser.$(`${row} [data-testid="mapping-default"]`);
  await input.scrollIntoView({ block: "center" });
  await input.setValue("(no description)");
  await click(browser, '[data-testid="mapping-preview"]');
  await browser.waitUntil(
    async () =>
      browser.execute(() => {
        const button = document.querySelector('[data-testid="mapping-preview"]');
        const rows = [...document.querySelectorAll('[data-testid="preview-row"]')];
        return !button?.disabled && rows.length > 0 && rows.every((r) => r.dataset.ok === "true");
      }),
    { timeout: 30_000, timeoutMsg: "the preview with the default still shows failing rows" },
  );
  await browser.$(row).scrollIntoView({ block: "center" });
  await shot("03-preview-with-default");
  await click(browser, '[data-testid="mapping-save"]');
  await browser.waitUntil(
    async () =>
      (await browser.$('[data-testid="mapping-saved"]').isDisplayed()) ||
      (await browser.$('[data-testid="mapping-hash-warning"]').isDisplayed()),
    { timeout: 30_000, timeoutMsg: "saving the mapping showed neither a result nor a warning" },
  );
  if (await browser.$('[data-testid="mapping-hash-warning"]').isDisplayed()) {
    // A default only fills values that were missing: rows that passed before keep their hash.
    assert.fail("a default for missing descriptions should not change the data hash of rows that already passed");
  }
  assert.equal(
    await browser.$('[data-testid="full-refresh-offer"]').isExisting(),
    false,
    "no full refresh is offered: the sample rows' data hashes did not change",
  );
  await shot("04-saved");

  // 4. Retry the entity's failed records through the fixed mapping.
  await click(browser, '[data-testid="mapping-retry-failed"]');
  const result = browser.$('[data-testid="mapping-retry-result"]');
  await result.waitForDisplayed({ timeout: 120_000 });
  const resolved = Number(await result.getAttribute("data-resolved"));
  assert.ok(resolved > 0, `the retry resolved records (resolved=${resolved})`);
  // The entity's other bad rows (text in a number column, impossible dates) fail again, as they should: no
  // mapping makes them valid. Step 5 checks that no validation failure is left.
  await shot("05-retried");

  // 5. The failed records: no validation failure is left open.
  await openScreen(browser, "failed");
  await chooseSetting(browser, "failed-stage-filter", "validate");
  await browser.waitUntil(async () => (await count(browser, '[data-testid="failed-row"]')) === 0, {
    timeout: 30_000,
    timeoutMsg: "validation failures are still open after the retry",
  });
  await shot("06-failed-records-after");
  return { resolved };
}
