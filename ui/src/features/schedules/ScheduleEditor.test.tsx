import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ScheduleInput } from "@/bindings";
import { fail } from "@/dev/mockBackend";
import { schedules } from "@/dev/fixtures";
import { renderApp } from "@/test/renderApp";

describe("Schedule editor", () => {
  it("saves the edited window through schedules_save and closes", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/schedules", {
      schedules_save: (args) => ({ ...schedules[0]!, ...(args.input as ScheduleInput) }),
    });
    const rows = await screen.findAllByTestId("schedule-row");
    await user.click(within(rows[0]!).getByTestId("schedule-edit"));
    const editor = await screen.findByTestId("schedule-editor");
    await user.selectOptions(within(editor).getByTestId("schedule-mode"), "nightly");
    const start = within(editor).getByTestId("schedule-window-start");
    fireEvent.change(start, { target: { value: "21:30" } });
    await user.click(within(editor).getByTestId("schedule-save"));
    await waitFor(() => expect(screen.queryByTestId("schedule-editor")).not.toBeInTheDocument());
    const call = backend.calls.find((c) => c.cmd === "schedules_save");
    expect(call?.args.input).toMatchObject({ entityId: schedules[0]!.entityId, mode: "nightly", windowStart: "21:30" });
  });

  it("keeps the form open and shows the backend's refusal", async () => {
    const user = userEvent.setup();
    await renderApp("/schedules", {
      schedules_save: () => fail("validation", "'25:00' is not a time of day (expected HH:MM, e.g. 19:00)"),
    });
    const rows = await screen.findAllByTestId("schedule-row");
    await user.click(within(rows[0]!).getByTestId("schedule-edit"));
    const editor = await screen.findByTestId("schedule-editor");
    await user.click(within(editor).getByTestId("schedule-save"));
    expect(await within(editor).findByTestId("schedule-error")).toHaveTextContent("'25:00' is not a time of day");
    expect(screen.getByTestId("schedule-editor")).toBeInTheDocument();
  });
});
