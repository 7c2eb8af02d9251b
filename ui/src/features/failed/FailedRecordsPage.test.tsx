import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { FailedRecordFilter } from "@/bindings";
import { failedRecords } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";

const open = failedRecords.filter((r) => r.resolvedAt === null);

function lastFilter(calls: { cmd: string; args: Record<string, unknown> }[]): FailedRecordFilter {
  const call = calls.filter((c) => c.cmd === "failed_records_list").at(-1);
  if (!call) throw new Error("failed_records_list was never called");
  return call.args.filter as FailedRecordFilter;
}

describe("Failed records", () => {
  it("renders the first page of rows and the range", async () => {
    const { backend } = await renderApp("/failed");
    const rows = await screen.findAllByTestId("failed-row");
    expect(rows).toHaveLength(25);
    expect(within(rows[0]!).getByText(open[0]!.message)).toBeInTheDocument();
    expect(screen.getByTestId("pager-range")).toHaveTextContent(`1–25 of ${open.length}`);
    expect(lastFilter(backend.calls)).toMatchObject({ offset: 0, limit: 25, includeResolved: false, stage: null });
  });

  it("pages forward and back with the keyboard", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed");
    await screen.findAllByTestId("failed-row");
    const previous = screen.getByRole("button", { name: "Previous" });
    expect(previous).toBeDisabled();

    screen.getByRole("button", { name: "Next" }).focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(screen.getByTestId("pager-range")).toHaveTextContent(`26–50 of ${open.length}`));
    expect(lastFilter(backend.calls).offset).toBe(25);

    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() =>
      expect(screen.getByTestId("pager-range")).toHaveTextContent(`51–${open.length} of ${open.length}`),
    );
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();

    // Going back shows the page already fetched (cached), without asking the backend again.
    await user.click(screen.getByRole("button", { name: "Previous" }));
    await waitFor(() => expect(screen.getByTestId("pager-range")).toHaveTextContent(`26–50 of ${open.length}`));
  });

  it("sends the stage and search filters and starts again at the first page", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed");
    await screen.findAllByTestId("failed-row");
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(lastFilter(backend.calls).offset).toBe(25));

    await user.selectOptions(screen.getByTestId("failed-stage-filter"), "load");
    await waitFor(() => expect(lastFilter(backend.calls)).toMatchObject({ stage: "load", offset: 0 }));
    const loadRows = open.filter((r) => r.stage === "load");
    await waitFor(() => expect(screen.getAllByTestId("failed-row")).toHaveLength(loadRows.length));

    await user.type(screen.getByTestId("failed-search"), "BOX12");
    await waitFor(() => expect(lastFilter(backend.calls)).toMatchObject({ stage: "load", search: "BOX12" }));
  });

  it("says every row went through when there are no failed records", async () => {
    await renderApp("/failed", { failed_records_list: () => ({ items: [], total: 0 }) });
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No failed records — every row went through");
  });

  it("distinguishes 'nothing matches the filters' from 'nothing failed'", async () => {
    const user = userEvent.setup();
    await renderApp("/failed", {
      failed_records_list: (a) =>
        (a.filter as FailedRecordFilter).stage === "fetch"
          ? { items: [], total: 0 }
          : { items: failedRecords.slice(0, 3), total: 3 },
    });
    await screen.findAllByTestId("failed-row");
    await user.selectOptions(screen.getByTestId("failed-stage-filter"), "fetch");
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No failed records match these filters");
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    expect(await screen.findAllByTestId("failed-row")).toHaveLength(3);
  });
});

describe("Failed record details", () => {
  it("opens from the keyboard, shows what is known, and closes with Escape back to the button", async () => {
    const user = userEvent.setup();
    await renderApp("/failed");
    const rows = await screen.findAllByTestId("failed-row");
    const details = within(rows[0]!).getByRole("button", { name: "Details" });
    details.focus();
    await user.keyboard("{Enter}");

    const dialog = await screen.findByRole("dialog", { name: "Failed record" });
    expect(within(dialog).getByText(open[0]!.erpRefStr!)).toBeInTheDocument();
    expect(within(dialog).getByText(open[0]!.runId)).toBeInTheDocument();
    const closeButton = within(dialog).getByRole("button", { name: "Close" });
    expect(closeButton).toHaveFocus();
    // Tab stays inside the panel: Close → Retry → back to Close.
    await user.tab();
    expect(within(dialog).getByRole("button", { name: "Retry" })).toHaveFocus();
    await user.tab();
    expect(closeButton).toHaveFocus();

    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(details).toHaveFocus();
  });
});

describe("Failed record snapshots", () => {
  it("shows the row as received and says which stages it never reached", async () => {
    const user = userEvent.setup();
    await renderApp("/failed");
    const rows = await screen.findAllByTestId("failed-row");
    await user.click(within(rows[0]!).getByTestId("failed-open"));
    const snapshots = await screen.findByTestId("failed-snapshots");
    await waitFor(() => expect(snapshots).toHaveTextContent("As received"));
    expect(snapshots.querySelector("pre")?.textContent).toContain("{");
    expect(within(snapshots).getAllByText("The row failed before this stage")).toHaveLength(2);
  });
});

describe("Failed records: retry and export", () => {
  it("retries a keyboard selection and shows each record's outcome", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed");
    const rows = await screen.findAllByTestId("failed-row");
    expect(screen.getByTestId("failed-retry-selected")).toBeDisabled();
    within(rows[0]!).getByTestId("failed-select").focus();
    await user.keyboard(" ");
    await user.click(within(rows[1]!).getByTestId("failed-select"));
    expect(screen.getByTestId("failed-retry-selected")).toHaveTextContent("Retry selected (2)");

    await user.click(screen.getByTestId("failed-retry-selected"));
    await waitFor(() =>
      expect(backend.calls.find((c) => c.cmd === "failed_records_retry")?.args).toMatchObject({
        ids: [open[0]!.id, open[1]!.id],
        filter: null,
      }),
    );
    const result = await screen.findByTestId("failed-retry-result");
    expect(within(result).getByTestId("failed-retry-summary")).toHaveTextContent(
      "1 resolved, 1 still failing, 0 waiting for a parent",
    );
    const outcomes = within(result).getAllByTestId("retry-outcome");
    expect(outcomes.map((o) => o.dataset.outcome)).toEqual(["resolved", "failed"]);
    expect(outcomes[1]).toHaveTextContent(open[1]!.message);
    // The selection is cleared once the retry is done.
    expect(screen.getByTestId("failed-retry-selected")).toBeDisabled();
  });

  it("retries every record matching the filter (not just this page) and reports the total", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed");
    await screen.findAllByTestId("failed-row");
    await user.selectOptions(screen.getByTestId("failed-stage-filter"), "load");
    const loadOpen = open.filter((r) => r.stage === "load");
    await waitFor(() => expect(screen.getByTestId("failed-retry-all")).toHaveTextContent(`(${loadOpen.length})`));
    await user.click(screen.getByTestId("failed-retry-all"));
    await waitFor(() => {
      const call = backend.calls.find((c) => c.cmd === "failed_records_retry");
      expect(call?.args.ids).toEqual([]);
      expect(call?.args.filter).toMatchObject({ stage: "load", includeResolved: false });
    });
    const result = await screen.findByTestId("failed-retry-result");
    expect(within(result).getAllByTestId("retry-outcome")).toHaveLength(loadOpen.length);
  });

  it("shows a retry's error instead of an outcome", async () => {
    const user = userEvent.setup();
    await renderApp("/failed", {
      failed_records_retry: () => fail("network", "ScheduleHub is unreachable: connection refused"),
    });
    const rows = await screen.findAllByTestId("failed-row");
    await user.click(within(rows[0]!).getByTestId("failed-row-retry"));
    expect(await screen.findByTestId("failed-retry-error")).toHaveTextContent("ScheduleHub is unreachable");
    expect(screen.queryByTestId("failed-retry-result")).not.toBeInTheDocument();
  });

  it("exports the current filter (all pages) to the file picked in the save dialog", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed");
    await screen.findAllByTestId("failed-row");
    await user.click(screen.getByRole("button", { name: "Next" }));
    await waitFor(() => expect(lastFilter(backend.calls).offset).toBe(25));
    await user.click(screen.getByTestId("failed-export-csv"));
    expect(await screen.findByTestId("failed-export-result")).toHaveTextContent(
      `${open.length} records exported to /home/planner/failed-records.csv`,
    );
    const dialog = backend.calls.find((c) => c.cmd === "plugin:dialog|save");
    expect(JSON.stringify(dialog?.args)).toContain("csv");
    expect(backend.calls.find((c) => c.cmd === "failed_records_export")?.args).toMatchObject({
      format: "csv",
      path: "/home/planner/failed-records.csv",
      filter: { offset: 25, includeResolved: false },
    });
  });

  it("writes nothing when the save dialog is closed", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/failed", { "plugin:dialog|save": () => null });
    await screen.findAllByTestId("failed-row");
    await user.click(screen.getByTestId("failed-export-json"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "plugin:dialog|save")).toBe(true));
    expect(backend.calls.some((c) => c.cmd === "failed_records_export")).toBe(false);
    expect(screen.queryByTestId("failed-export-result")).not.toBeInTheDocument();
  });
});
