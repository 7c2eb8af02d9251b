import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { DashboardSummary } from "@/bindings";
import { dashboard } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";

const quiet: DashboardSummary = {
  connections: 0,
  entities: 0,
  failedOpen: 0,
  pendingChildren: 0,
  lastRuns: [],
  daily: Array.from({ length: 30 }, (_, i) => ({
    day: `2025-05-${String(i + 1).padStart(2, "0")}`,
    synced: 0,
    failed: 0,
  })),
  nextScheduledRun: null,
  connectionHealth: [],
};

describe("Dashboard", () => {
  it("shows the counts, the last runs and the next scheduled run", async () => {
    await renderApp("/");
    expect(await screen.findByTestId("stat-failed")).toHaveTextContent(String(dashboard.failedOpen));
    expect(screen.getByTestId("stat-connections")).toHaveTextContent(String(dashboard.connections));
    expect(within(screen.getByTestId("last-runs")).getAllByRole("listitem")).toHaveLength(dashboard.lastRuns.length);
    expect(screen.getByTestId("next-run")).not.toHaveTextContent("Nothing is scheduled");
    expect(await screen.findByTestId("throughput-chart")).toBeInTheDocument();
  });

  it("shows each connection's health with the failing one's error", async () => {
    await renderApp("/");
    const rows = await screen.findAllByTestId("health-row");
    expect(rows.map((r) => r.dataset.health)).toEqual(dashboard.connectionHealth.map((c) => c.health));
    expect(rows[0]).toHaveTextContent("Working");
    expect(rows[1]).toHaveTextContent("Failing");
    expect(rows[1]).toHaveTextContent("ScheduleHub is unreachable");
  });

  it("says so plainly when nothing has happened yet (all-zero days, no runs, nothing scheduled)", async () => {
    await renderApp("/", { dashboard_summary: () => quiet });
    expect(await screen.findByText("No rows were synced in the last 30 days")).toBeInTheDocument();
    expect(screen.queryByTestId("throughput-chart")).not.toBeInTheDocument();
    expect(screen.getByTestId("empty-state")).toHaveTextContent("No runs yet");
    expect(screen.getByTestId("next-run")).toHaveTextContent("Nothing is scheduled");
  });

  it("shows an error state when the summary cannot be read", async () => {
    await renderApp("/", { dashboard_summary: () => fail("internal", "database disk image is malformed") });
    expect(await screen.findByTestId("error-state")).toHaveTextContent("database disk image is malformed");
  });
});
