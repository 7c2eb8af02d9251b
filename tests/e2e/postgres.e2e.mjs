// The PostgreSQL target in real WebKit against the real app: a throw-away PostgreSQL server of the test's own
// (initdb into a temp dir, postgres on a free loopback port; as root both run as the `postgres` user), demo mode
// for the APISmith simulator, then: add a PostgreSQL connection and Test it, discover the sites API into it as a new
// entity, set its table in the editor, sync it, and find the rows in the table with psql.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { chooseLanguage, chooseSetting, click, launchApp, openScreen, screenshot, startDriver } from "./harness.mjs";

const PASSWORD = "pg-e2e-password";

function bindir() {
  try {
    const dir = execFileSync("pg_config", ["--bindir"]).toString().trim();
    if (existsSync(path.join(dir, "initdb"))) return dir;
  } catch {
    // No pg_config: look where Debian puts the server.
  }
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql") : [];
  const found = versions
    .map((v) => path.join("/usr/lib/postgresql", v, "bin"))
    .filter((d) => existsSync(path.join(d, "initdb")))
    .sort((a, b) => Number(path.basename(path.dirname(a))) - Number(path.basename(path.dirname(b))));
  if (found.length === 0)
    throw new Error("PostgreSQL's server binaries were not found: install the `postgresql` package");
  return found[found.length - 1];
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

/** initdb + postgres, as the `postgres` user when we are root (initdb refuses root). */
async function startPostgres() {
  const bin = bindir();
  const root = process.getuid?.() === 0;
  const owner = root
    ? {
        uid: Number(execFileSync("id", ["-u", "postgres"]).toString()),
        gid: Number(execFileSync("id", ["-g", "postgres"]).toString()),
      }
    : null;
  const as = (program, args) =>
    owner
      ? ["setpriv", [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, "--clear-groups", "--", program, ...args]]
      : [program, args];
  const dir = mkdtempSync(path.join("/tmp", "syncflow-pg-e2e-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const pw = path.join(dir, "pw");
  writeFileSync(pw, PASSWORD);
  if (owner) chownSync(pw, owner.uid, owner.gid);
  const data = path.join(dir, "data");
  const [cmd, args] = as(path.join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "sync",
    "-A",
    "scram-sha-256",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
    `--pwfile=${pw}`,
  ]);
  execFileSync(cmd, args, { stdio: "pipe" });
  const port = await freePort();
  const [pcmd, pargs] = as(path.join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "fsync=off",
  ]);
  const proc = spawn(pcmd, pargs, { stdio: "ignore" });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), resolve(true)));
      s.once("error", () => (s.destroy(), resolve(false)));
    });
    if (up) break;
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error("PostgreSQL did not start");
    await new Promise((r) => setTimeout(r, 200));
  }
  const psql = (sql) =>
    execFileSync(
      path.join(bin, "psql"),
      ["-h", "127.0.0.1", "-p", String(port), "-U", "sync", "-d", "postgres", "-tAc", sql],
      {
        env: { ...process.env, PGPASSWORD: PASSWORD },
      },
    )
      .toString()
      .trim();
  // Fast shutdown, then the server's folder goes.
  const stop = async () => {
    const exited = new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once("exit", resolve)));
    proc.kill("SIGINT");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, psql, stop };
}

let driver;
let pg;
before(async () => {
  pg = await startPostgres();
  driver = await startDriver();
});
after(async () => {
  driver?.stop();
  await pg?.stop();
});

const card = (name) => `[data-testid="connection-card"][data-name="${name}"]`;

async function fill(browser, testId, value) {
  const el = browser.$(`[data-testid="${testId}"]`);
  await el.waitForDisplayed({ timeout: 10_000 });
  await el.setValue(value);
}

test("a PostgreSQL target: connection with Test, an entity into a table, a sync that fills it", async () => {
  const browser = await launchApp(driver);
  try {
    await openScreen(browser, "settings");
    await chooseLanguage(browser, "en");
    await openScreen(browser, "dashboard");
    await click(browser, '[data-testid="demo-start"]');
    await browser.$('[data-testid="demo-banner"]').waitForDisplayed({ timeout: 30_000 });

    await openScreen(browser, "connections");
    await browser.$(card("demo-erp")).waitForDisplayed({ timeout: 15_000 });
    await click(browser, '[data-testid="add-connection"]');
    await fill(browser, "connection-name", "warehouse");
    await chooseSetting(browser, "connection-kind", "postgres");
    await fill(browser, "connection-url", `postgres://127.0.0.1:${pg.port}/postgres?sslmode=disable`);
    await fill(browser, "connection-username", "sync");
    await fill(browser, "connection-secret", PASSWORD);
    assert.equal(await browser.$('[data-testid="connection-tz"]').isExisting(), false, "no source options");
    await screenshot(browser, "postgres-01-add-connection");
    await click(browser, '[data-testid="connection-save"]');
    await browser.$('[data-testid="connection-editor"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
    await click(browser, `${card("warehouse")} [data-testid="connection-test"]`);
    const result = browser.$(`${card("warehouse")} [data-testid="connection-test-result"]`);
    await result.waitForDisplayed({ timeout: 30_000 });
    assert.equal(await result.getAttribute("data-ok"), "true", await result.getText());
    assert.match(await result.getText(), /Sign-in accepted/);
    await screenshot(browser, "postgres-02-test-ok");

    await openScreen(browser, "entities");
    await click(browser, '[data-testid="discover-open"]');
    await chooseSetting(browser, "discover-source", "demo-erp");
    await chooseSetting(browser, "discover-target", "warehouse");
    await click(browser, '[data-testid="discover-run"]');
    const sites = '[data-testid="discover-api"][data-slug="sites"]';
    await browser.$(sites).waitForDisplayed({ timeout: 30_000 });
    await browser.$(`${sites} [data-testid="discover-name"]`).setValue("pg_sites");
    await click(browser, `${sites} [data-testid="discover-pick"]`);
    await click(browser, '[data-testid="discover-create"]');
    await browser.$('[data-testid="discover-drawer"]').waitForDisplayed({ reverse: true, timeout: 15_000 });
    const row = '[data-testid="entity-row"][data-name="pg_sites"]';
    await browser.$(row).waitForDisplayed({ timeout: 15_000 });

    await click(browser, `${row} [data-testid="entity-edit"]`);
    const table = browser.$('[data-testid="entity-target-name"]');
    await table.waitForDisplayed({ timeout: 15_000 });
    assert.equal(await table.getValue(), "sites", "discovery names the table after the API");
    assert.match(await browser.$('[data-testid="entity-editor"]').getText(), /Table/);
    await table.setValue("pg_sites");
    await screenshot(browser, "postgres-03-entity-table");
    await click(browser, '[data-testid="entity-save"]');
    await browser.$('[data-testid="entity-editor"]').waitForDisplayed({ reverse: true, timeout: 15_000 });

    await click(browser, `${row} [data-testid="entity-sync"]`);
    await browser.waitUntil(
      () => {
        try {
          return pg.psql("SELECT count(*) FROM pg_sites WHERE NOT _bridge_deleted") === "50";
        } catch {
          return false; // The table is made by the first page.
        }
      },
      { timeout: 120_000, interval: 1000, timeoutMsg: "the sites did not land in PostgreSQL" },
    );
    assert.equal(
      pg.psql(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'pg_sites'::regclass AND attname = 'CAPACITY'",
      ),
      "numeric(10,2)",
      "NUMBER(10,2) became numeric(10,2)",
    );
    await openScreen(browser, "runs");
    await browser.waitUntil(
      async () =>
        browser.execute(() =>
          [...document.querySelectorAll('[data-testid="run-row"]')].some(
            (r) =>
              r.textContent.includes("pg_sites") &&
              r.querySelector("[data-status]")?.getAttribute("data-status") === "completed",
          ),
        ),
      { timeout: 60_000, interval: 1000, timeoutMsg: "the pg_sites run did not complete" },
    );
    await screenshot(browser, "postgres-04-run-completed");
  } catch (e) {
    await screenshot(browser, "postgres-failure").catch(() => {});
    throw e;
  } finally {
    await browser.deleteSession();
  }
});
