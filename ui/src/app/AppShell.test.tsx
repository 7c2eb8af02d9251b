import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "@/test/renderApp";
import { NAV_SECTIONS } from "./nav";

const TITLES: Record<string, string> = {
  dashboard: "Dashboard",
  connections: "Connections",
  entities: "Entities",
  mappings: "Field mappings",
  runs: "Runs",
  failed: "Failed records",
  pending: "Pending children",
  schedules: "Schedules",
  settings: "Settings",
  logs: "Logs",
};
const PAGES = Object.keys(TITLES);

describe("App shell", () => {
  it("has a nav link with a stable test id for every screen of SPEC §10", async () => {
    await renderApp("/");
    const sidebar = screen.getByTestId("sidebar");
    expect(sidebar.tagName).toBe("NAV");
    for (const name of PAGES) expect(screen.getByTestId(`nav-${name}`).tagName).toBe("A");
    expect(NAV_SECTIONS.flatMap((s) => s.items.map((i) => i.name)).sort()).toEqual([...PAGES].sort());
  });

  it.each(PAGES)("opens %s from the navigation, with its page root and title", async (name) => {
    const user = userEvent.setup();
    await renderApp(name === "dashboard" ? "/logs" : "/");
    await user.click(screen.getByTestId(`nav-${name}`));
    expect(await screen.findByTestId(`page-${name}`)).toBeInTheDocument();
    expect(screen.getByTestId("page-title")).toHaveTextContent(TITLES[name]!);
    expect(screen.getByTestId(`nav-${name}`)).toHaveAttribute("aria-current", "page");
  });

  it("shows the open failed and pending counts next to their links", async () => {
    await renderApp("/", {
      dashboard_summary: () => ({
        connections: 0,
        entities: 0,
        failedOpen: 12,
        pendingChildren: 0,
        lastRuns: [],
        daily: [],
        nextScheduledRun: null,
        connectionHealth: [],
      }),
    });
    await waitFor(() => expect(screen.getByTestId("nav-failed")).toHaveTextContent("12"));
    expect(screen.getByTestId("nav-pending")).toHaveTextContent(/^Pending children$/);
  });
});
