// The configuration screens in real WebKit against the real app in demo mode: sync, add a connection and Test it
// (wrong then right password), have a bad setting refused, rename it, discover an entity from the new connection, remove it
// (and be refused removing a parent), then see the screens right to left. The "fix a mapping" step (steps/fixMapping.mjs) runs inside the demo journey, in English and
// Persian (demo.e2e.mjs).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chooseLanguage, chooseSetting, click, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";

let driver;
before(async () => {
  driver = await startDriver();
});
after(() => driver?.stop());

/** Demo mode started and synced, waiting on the runs' status attributes (language-neutral). */
async function startDemoAndSync(browser) {
  await openScreen(browser, "dashboard");
  await click(browser, '[data-testid="demo-start"]');
  await browser.$('[data-testid="demo-banner"]').waitForDisplayed({ timeout: 30_000 });
  // "3" in Latin, Persian or Arabic digits.
  await browser.waitUntil(async () => /[3۳٣]/.test(await browser.$('[data-testid="stat-entities"]').getText()), {
    timeout: 30_000,
    timeoutMsg: "the demo did not create its three entities",
  });
  await click(browser, '[data-testid="sync-all"]');
  await openScreen(browser, "runs");
  await browser.waitUntil(
    async () =>
      browser.execute(() => {
        const rows = [...document.querySelectorAll('[data-testid="run-row"]')];
        const status = (r) => r.querySelector("[data-status]")?.getAttribute("data-status");
        return rows.length >= 3 && rows.every((r) => !["running", "pending"].includes(status(r)));
      }),
    { timeout: 240_000, interval: 1000, timeoutMsg: "the three demo runs did not all finish" },
  );
}

const card = (name) => `[data-testid="connection-card"][data-name="${name}"]`;

async function fill(browser, testId, value) {
  const el = browser.$(`[data-testid="${testId}"]`);
  await el.waitForDisplayed({ timeout: 10_000 });
  await el.setValue(value);
}

async function saveConnection(browser) {
  await click(browser, '[data-testid="connection-save"]');
  await browser.$('[data-testid="connection-editor"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
}

async function testConnection(browser, name) {
  await click(browser, `${card(name)} [data-testid="connection-test"]`);
  const result = browser.$(`${card(name)} [data-testid="connection-test-result"]`);
  await result.waitForDisplayed({ timeout: 30_000 });
  return { ok: (await result.getAttribute("data-ok")) === "true", text: await result.getText() };
}

test("configuration screens: connection with Test, refusals, discovery, right to left", async () => {
  const browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "en");
    await startDemoAndSync(browser);

    // A second APISmith connection (the demo's simulator under another name): wrong password, then the right one.
    await openScreen(browser, "connections");
    await browser.$(card("demo-erp")).waitForDisplayed({ timeout: 15_000 });
    const url = await browser.execute(
      (s) => document.querySelector(s)?.textContent?.trim() ?? "",
      `${card("demo-erp")} [data-testid="connection-card-url"]`,
    );
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/, "the demo connection shows its loopback address");
    await click(browser, '[data-testid="add-connection"]');
    await fill(browser, "connection-name", "plant2-erp");
    await fill(browser, "connection-url", url);
    await fill(browser, "connection-username", "sync");
    await fill(browser, "connection-secret", "not-the-password");
    await screenshot(browser, "config-01-add-connection");
    await saveConnection(browser);
    await browser.$(card("plant2-erp")).waitForDisplayed({ timeout: 15_000 });
    const wrong = await testConnection(browser, "plant2-erp");
    assert.equal(wrong.ok, false, `a wrong password is reported: ${wrong.text}`);
    assert.match(wrong.text, /Reachable in \d+ ms/);
    assert.match(wrong.text, /Sign-in rejected/);
    await screenshot(browser, "config-02-test-wrong-password");

    await click(browser, `${card("plant2-erp")} [data-testid="connection-edit"]`);
    await browser.$('[data-testid="connection-credential-state"]').waitForDisplayed({ timeout: 15_000 });
    assert.equal(await browser.$('[data-testid="connection-secret"]').getValue(), "", "the password never comes back");
    await fill(browser, "connection-tz", "Mars/Base");
    await click(browser, '[data-testid="connection-save"]');
    const refusal = browser.$('[data-testid="connection-error"]');
    await refusal.waitForDisplayed({ timeout: 15_000 });
    assert.match(await refusal.getText(), /source time zone: unknown time zone 'Mars\/Base'/);
    await screenshot(browser, "config-03-refused-time-zone");
    await fill(browser, "connection-tz", "Europe/Istanbul");
    await fill(browser, "connection-secret", "sync");
    await saveConnection(browser);
    const right = await testConnection(browser, "plant2-erp");
    assert.equal(right.ok, true, `the right password is accepted: ${right.text}`);
    assert.match(right.text, /Sign-in accepted/);
    await screenshot(browser, "config-04-test-ok");

    // Renamed by editing its name: the card follows, and Test still signs in, so the password moved in the real
    // keychain with it.
    await click(browser, `${card("plant2-erp")} [data-testid="connection-edit"]`);
    await browser.$('[data-testid="connection-credential-state"]').waitForDisplayed({ timeout: 15_000 });
    await fill(browser, "connection-name", "plant2-izmir");
    await saveConnection(browser);
    await browser.$(card("plant2-izmir")).waitForDisplayed({ timeout: 15_000 });
    assert.equal(await browser.$(card("plant2-erp")).isExisting(), false, "the old name is gone");
    const renamed = await testConnection(browser, "plant2-izmir");
    assert.equal(renamed.ok, true, `the renamed connection still signs in: ${renamed.text}`);
    await screenshot(browser, "config-04a-renamed");

    // The demo's ERP connection feeds three entities: deleting it is refused, naming them, and it stays.
    await click(browser, `${card("demo-erp")} [data-testid="connection-delete"]`);
    await click(browser, `${card("demo-erp")} [data-testid="connection-delete-confirm"]`);
    const refused = browser.$(`${card("demo-erp")} [data-testid="connection-delete-error"]`);
    await refused.waitForDisplayed({ timeout: 15_000 });
    assert.match(await refused.getText(), /used by entities inventory_items, sites, work_areas/);
    assert.ok(await browser.$(card("demo-erp")).isExisting(), "the connection is still there");
    await screenshot(browser, "config-04b-delete-refused");

    // Discovery from the new connection: the same sites API from "plant 2", under a name of its own.
    await openScreen(browser, "entities");
    await click(browser, '[data-testid="discover-open"]');
    await chooseSetting(browser, "discover-source", "plant2-izmir");
    await chooseSetting(browser, "discover-target", "demo-plan");
    await click(browser, '[data-testid="discover-run"]');
    const sites = '[data-testid="discover-api"][data-slug="sites"]';
    await browser.$(sites).waitForDisplayed({ timeout: 30_000 });
    await browser.$(`${sites} summary`).click();
    const columns = await browser.$(sites).getText();
    assert.match(columns, /SITE_ID/, "the API's columns are listed");
    assert.match(columns, /VARCHAR2/, "with their types");
    await browser.$(`${sites} [data-testid="discover-name"]`).setValue("plant2_sites");
    await click(browser, `${sites} [data-testid="discover-pick"]`);
    await screenshot(browser, "config-05-discover");
    await click(browser, '[data-testid="discover-create"]');
    await browser.$('[data-testid="discover-drawer"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
    await browser.waitUntil(
      async () => (await browser.$('[data-testid="page-entities"]').getText()).includes("plant2_sites"),
      {
        timeout: 15_000,
        timeoutMsg: "the discovered entity is not in the list",
      },
    );
    await screenshot(browser, "config-06-entity-created");

    // Removing entities: the demo's sites are the parent of two others (refused, saying so); the new one goes.
    const entityRow = (name) => `[data-testid="entity-row"][data-name="${name}"]`;
    await click(browser, `${entityRow("sites")} [data-testid="entity-edit"]`);
    await click(browser, '[data-testid="entity-delete"]');
    await click(browser, '[data-testid="entity-delete-confirm"]');
    const deleteRefused = browser.$('[data-testid="entity-delete-error"]');
    await deleteRefused.waitForDisplayed({ timeout: 15_000 });
    assert.match(await deleteRefused.getText(), /entity 'sites' is the parent of/);
    await browser.keys("Escape");
    await browser.$('[data-testid="entity-editor"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
    await click(browser, `${entityRow("plant2_sites")} [data-testid="entity-edit"]`);
    await click(browser, '[data-testid="entity-delete"]');
    await click(browser, '[data-testid="entity-delete-confirm"]');
    await browser.$('[data-testid="entity-editor"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
    await browser.$(entityRow("plant2_sites")).waitForExist({ reverse: true, timeout: 15_000 });
    assert.ok(await browser.$(entityRow("sites")).isExisting(), "the refused entity is still there");

    // The same screens right to left.
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "fa");
    await openScreen(browser, "mappings");
    await browser.$('[data-testid="mapping-editor"]').waitForDisplayed({ timeout: 15_000 });
    assert.equal(await browser.execute(() => document.documentElement.dir), "rtl");
    await screenshot(browser, "config-07-mappings-fa");
    await openScreen(browser, "connections");
    await click(browser, `${card("plant2-izmir")} [data-testid="connection-edit"]`);
    await browser.$('[data-testid="connection-credential-state"]').waitForDisplayed({ timeout: 15_000 });
    await screenshot(browser, "config-08-connection-editor-fa");
    await browser.keys("Escape");
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "en");
  } catch (e) {
    await screenshot(browser, "config-failure").catch(() => {});
    throw e;
  } finally {
    await browser.deleteSession();
  }
});
