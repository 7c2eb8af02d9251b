// Drives the real SyncFlow binary in a real WebKit window: tauri-driver (WebDriver front) -> WebKitWebDriver.
// One tauri-driver per test file; each app session gets the throw-away data folder the file chose.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { remote } from "webdriverio";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
export const appBinary = process.env.SYNCFLOW_APP ?? path.join(repoRoot, "target/debug/syncflow");
export const screenshotDir = path.join(repoRoot, "target/e2e-screenshots");

function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`tauri-driver did not listen on ${port}`));
        else setTimeout(attempt, 200);
      });
    };
    attempt();
  });
}

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts tauri-driver with SYNCFLOW_DATA_DIR pointing at a fresh folder (inherited by the app it launches). */
export async function startDriver(extraEnv = {}) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "syncflow-e2e-"));
  const port = await freePort();
  const nativePort = await freePort();
  const driverBin = process.env.TAURI_DRIVER ?? "tauri-driver";
  // Its own process group, so stop() ends WebKitWebDriver and the app with it: an app left running would take the
  // next test's launch as a second instance (single instance per D-Bus session) and hand it over, and that test's
  // session would wait for a window that never comes.
  const proc = spawn(driverBin, ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, SYNCFLOW_DATA_DIR: dataDir, ...extraEnv },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  await waitForPort(port, 30_000);
  // tauri-driver accepts connections before WebKitWebDriver is ready.
  await new Promise((r) => setTimeout(r, 1000));
  return {
    dataDir,
    port,
    stop: () => {
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    },
  };
}

/** A WebDriver session on a freshly launched app. Retries only session creation (the driver may still be warming
 * up); if the app then fails to show its shell, the failure is reported with a screenshot and the page source. */
export async function launchApp(driver, args = []) {
  let browser;
  let lastError;
  for (let i = 0; i < 5 && !browser; i++) {
    try {
      browser = await remote({
        hostname: "127.0.0.1",
        port: driver.port,
        logLevel: "warn",
        connectionRetryCount: 0,
        capabilities: { "tauri:options": { application: appBinary, args } },
      });
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  if (!browser) throw lastError;
  try {
    await browser.$('[data-testid="sidebar"]').waitForDisplayed({ timeout: 30_000 });
  } catch (e) {
    mkdirSync(screenshotDir, { recursive: true });
    try {
      writeFileSync(
        path.join(screenshotDir, "launch-failure.png"),
        Buffer.from(await browser.takeScreenshot(), "base64"),
      );
      writeFileSync(path.join(screenshotDir, "launch-failure.html"), await browser.getPageSource());
    } catch {
      // The window may be gone; the original error says more.
    }
    await browser.deleteSession().catch(() => {});
    throw e;
  }
  return browser;
}

/** Saves a screenshot of the current frame (after two animation frames, else WebKit can hand back a stale one). */
export async function screenshot(browser, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  const png = await browser.takeScreenshot();
  const file = path.join(screenshotDir, `${name}.png`);
  writeFileSync(file, Buffer.from(png, "base64"));
  return file;
}

/** Opens a screen from the navigation. A click that lands while the page re-renders can miss; it is clicked again
 * (three tries of 5 s) before the screen counts as not opening. */
export async function openScreen(browser, name) {
  const nav = browser.$(`[data-testid="nav-${name}"]`);
  const page = browser.$(`[data-testid="page-${name}"]`);
  for (let attempt = 1; ; attempt++) {
    await nav.click();
    try {
      await page.waitForDisplayed({ timeout: 5_000 });
      return page;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

export async function chooseSetting(browser, testId, value) {
  const select = browser.$(`[data-testid="${testId}"]`);
  await select.waitForDisplayed({ timeout: 10_000 });
  await select.selectByAttribute("value", value);
}

/** Chooses the app's language and waits until <html lang> and <html dir> follow it. The switch goes through the
 * settings store and a refetch, and the layout flips sides when the direction changes: a click on the navigation
 * before the flip lands where the element was, not where it is. */
export async function chooseLanguage(browser, lang) {
  await chooseSetting(browser, "settings-language", lang);
  const dir = ["fa", "ar"].includes(lang) ? "rtl" : "ltr";
  await browser.waitUntil(
    async () => {
      const [l, d] = await browser.execute(() => [document.documentElement.lang, document.documentElement.dir]);
      return l === lang && d === dir;
    },
    { timeout: 10_000, timeoutMsg: `the app did not switch to ${lang} (${dir})` },
  );
  // Two animation frames, so the flipped layout has been laid out before the next click.
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

/** Clicks an element that may move while the page re-renders (run events refresh lists): scroll it into view and
 * retry, then fall back to a DOM click, which still goes through React's handler. */
export async function click(browser, selector) {
  const el = browser.$(selector);
  await el.waitForDisplayed({ timeout: 15_000 });
  for (let i = 0; i < 3; i++) {
    try {
      await el.scrollIntoView({ block: "center" });
      await el.click();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  await browser.execute((s) => document.querySelector(s).click(), selector);
}
