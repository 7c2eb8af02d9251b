import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ScheduleInput } from "@/bindings";
import { appInfo, schedules, trayStatus } from "@/dev/fixtures";
import { renderApp } from "@/test/renderApp";

const itemsRow = async () => {
  const rows = await screen.findAllByTestId("schedule-row");
  const row = rows.find((r) => r.textContent?.includes(schedules[1]!.entityName));
  if (!row) throw new Error("no row for the items schedule");
  return row;
};

describe("Schedules", () => {
  it("shows an initial load's progress and the night it should be done", async () => {
    await renderApp("/schedules");
    const progress = within(await itemsRow()).getByTestId("initial-load-progress");
    expect(progress).toHaveTextContent("33% read");
    expect(progress).toHaveTextContent("Done by");
    expect(progress).toHaveTextContent("400,000 of about 1,200,000 rows");
    expect(within(progress).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "33");
  });

  it("shows the tray's state and last run in the status area", async () => {
    await renderApp("/schedules", {
      tray_state: () => ({ ...trayStatus, state: "attention", keychainWait: "the keychain is locked" }),
    });
    const area = await screen.findByTestId("tray-status");
    expect(area).toHaveAttribute("data-state", "attention");
    expect(area).toHaveTextContent("Needs attention");
    expect(within(area).getByTestId("tray-last-run")).toHaveTextContent(trayStatus.lastRun!);
    expect(within(area).getByTestId("tray-keychain")).toHaveTextContent("the keychain is locked");
  });

  it("pauses every automatic run as the tray does, then offers to resume them", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/schedules");
    const button = await screen.findByTestId("schedules-pause-all");
    await waitFor(() => expect(button).toBeEnabled());
    expect(button).toHaveTextContent("Pause nightly syncs");
    await user.click(button);
    expect(backend.calls.find((c) => c.cmd === "tray_set_paused")?.args).toEqual({ paused: true });
    await waitFor(() => expect(button).toHaveTextContent("Resume nightly syncs"));
    expect(button).toHaveAttribute("data-paused", "true");
  });

  it("runs an entity now only after the confirmation", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/schedules", { runs_start: () => "01890000-0000-7000-8000-000000000001" });
    await user.click(within(await itemsRow()).getByTestId("schedule-run-now"));
    const confirm = await screen.findByTestId("run-now-confirm");
    expect(confirm).toHaveTextContent("Its window is closed now");
    expect(backend.calls.some((c) => c.cmd === "runs_start")).toBe(false);
    await user.click(within(confirm).getByTestId("run-now-confirm-button"));
    await waitFor(() => expect(screen.queryByTestId("run-now-confirm")).not.toBeInTheDocument());
    expect(backend.calls).toContainEqual({
      cmd: "runs_start",
      args: { entityId: schedules[1]!.entityId, full: false },
    });
  });

  it("pauses one schedule, keeping the rest of it (nights and row estimate) as it was", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/schedules", {
      schedules_save: (args) => ({ ...schedules[1]!, ...(args.input as ScheduleInput) }),
    });
    await user.click(within(await itemsRow()).getByTestId("schedule-pause"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "schedules_save")).toBe(true));
    const call = backend.calls.find((c) => c.cmd === "schedules_save");
    expect(call?.args.input).toEqual({
      entityId: schedules[1]!.entityId,
      mode: "nightly",
      intervalMinutes: 60,
      windowStart: "19:00",
      windowEnd: "07:00",
      daysToComplete: 3,
      rowEstimate: 1_200_000,
      paused: true,
    });
  });

  it("counts relative times from the app's clock, not the browser's", async () => {
    // A debug build's test clock 9 hours behind the wall clock: the items' next run, 2 hours away by the wall clock,
    // is 11 hours away by the app's clock, which the scheduler goes by.
    await renderApp("/schedules", { app_info: () => ({ ...appInfo, clockOffsetSecs: -9 * 3600 }) });
    const row = await itemsRow();
    expect(await within(row).findByText("in 11 hours")).toBeInTheDocument();
    expect(within(row).queryByText("in 2 hours")).not.toBeInTheDocument();
  });

  it("tells from the app's clock whether the window is open when running now", async () => {
    const user = userEvent.setup();
    // The app's clock is at the items' next run (about 2 hours after the wall clock): the scheduler marks it due now.
    // The offset is taken when the test starts, not from the fixture's 2 hours: the fixture's times were computed
    // when its module loaded, which can be over a minute earlier on a loaded machine.
    const clockOffsetSecs = Math.round((Date.parse(schedules[1]!.nextRunAt!) - Date.now()) / 1000);
    await renderApp("/schedules", { app_info: () => ({ ...appInfo, clockOffsetSecs }) });
    await waitFor(async () => expect(within(await itemsRow()).getByText(/^now$|seconds? ago$/)).toBeInTheDocument());
    await user.click(within(await itemsRow()).getByTestId("schedule-run-now"));
    const confirm = await screen.findByTestId("run-now-confirm");
    expect(confirm).toHaveTextContent("The run starts at once, outside the nightly order.");
    expect(confirm).not.toHaveTextContent("Its window is closed now");
  });
});
