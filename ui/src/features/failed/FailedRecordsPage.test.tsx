import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { FailedRecordFilter } from "@/bindings";
import { failedRecords } from "@/dev/fixtures";
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
