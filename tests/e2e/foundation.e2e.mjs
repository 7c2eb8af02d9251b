// The foundation journey in real WebKit: every screen opens, Persian flips the layout to right-to-left with the
// navigation on the right, the theme switches, and the chosen language survives a restart of the app.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { chooseLanguage, chooseSetting, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";

const SCREENS = [
  "dashboard",
  "connections",
  "entities",
  "mappings",
  "runs",
  "failed",
  "pending",
  "schedules",
  "settings",
  "logs",
];

let driver;
before(async () => {
  driver = await startDriver();
});
after(() => driver?.stop());

async function htmlAttr(browser, name) {
  return browser.execute((n) => document.documentElement.getAttribute(n), name);
}

async function sidebarIsOnTheRight(browser) {
  return browser.execute(() => {
    const nav = document.querySelector('[data-testid="sidebar"]').getBoundingClientRect();
    const main = document.querySelector("main").getBoundingClientRect();
    return nav.left >= main.left;
  });
}

test("every screen opens, in English and light theme, then in Persian (RTL) and dark theme; language kept on restart", async () => {
  let browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "en");
    await chooseSetting(browser, "settings-theme", "light");
    assert.equal(await htmlAttr(browser, "dir"), "ltr");
    assert.equal(await sidebarIsOnTheRight(browser), false, "in English the navigation is on the left");

    for (const screen of SCREENS) {
      const page = await openScreen(browser, screen);
      const title = await page.$('[data-testid="page-title"]').getProperty("textContent");
      assert.ok(title.trim().length > 0, `${screen} has a title`);
      assert.ok(await page.isDisplayed());
      await screenshot(browser, `en-light-${screen}`);
    }

    await openScreen(browser, "settings");
    await chooseLanguage(browser, "fa");
    assert.equal(await htmlAttr(browser, "dir"), "rtl", "choosing Persian switches <html dir> to rtl");
    assert.equal(await htmlAttr(browser, "lang"), "fa");
    assert.equal(await sidebarIsOnTheRight(browser), true, "in Persian the navigation moves to the right");

    await chooseSetting(browser, "settings-theme", "dark");
    await browser.waitUntil(async () => browser.execute(() => document.documentElement.classList.contains("dark")), {
      timeout: 5000,
      timeoutMsg: "choosing the dark theme did not put class 'dark' on <html>",
    });
    for (const screen of SCREENS) {
      await openScreen(browser, screen);
      await screenshot(browser, `fa-dark-${screen}`);
    }
    await openScreen(browser, "settings");
    await chooseSetting(browser, "settings-theme", "light");
    await openScreen(browser, "dashboard");
    await screenshot(browser, "fa-light-dashboard");
    await openScreen(browser, "settings");
    await chooseSetting(browser, "settings-theme", "dark");
  } finally {
    await browser.deleteSession();
  }

  // A new process on the same data folder: the language and theme come back from SQLite.
  browser = await launchApp(driver);
  try {
    await browser.waitUntil(async () => (await htmlAttr(browser, "dir")) === "rtl", {
      timeout: 10_000,
      timeoutMsg: "after a restart the app forgot Persian",
    });
    assert.equal(await htmlAttr(browser, "lang"), "fa");
    assert.equal(
      await browser.execute(() => document.documentElement.classList.contains("dark")),
      true,
      "after a restart the app forgot the dark theme",
    );
    await screenshot(browser, "fa-dark-after-restart");
  } finally {
    await browser.deleteSession();
  }
});
