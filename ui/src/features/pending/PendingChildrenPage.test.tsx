import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { pendingChildren } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";

describe("Pending children: retry now", () => {
  it("retries one child and says it still waits for its parent", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/pending");
    const rows = await screen.findAllByTestId("pending-row");
    within(rows[0]!).getByTestId("pending-retry-one").focus();
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(backend.calls).toContainEqual({
        cmd: "pending_children_retry",
        args: { entityId: pendingChildren[0]!.entityId, bkHash: pendingChildren[0]!.bkHash },
      }),
    );
    expect(await screen.findByTestId("pending-retry-result")).toHaveTextContent("Its parent is still missing");
  });

  it("retries all of them and shows the totals", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/pending");
    await screen.findAllByTestId("pending-row");
    await user.click(screen.getByTestId("pending-retry-all"));
    await waitFor(() =>
      expect(backend.calls).toContainEqual({ cmd: "pending_children_retry", args: { entityId: null, bkHash: null } }),
    );
    expect(await screen.findByTestId("pending-retry-result")).toHaveTextContent(
      `1 went on, ${pendingChildren.length - 1} still waiting, 0 became failed records`,
    );
  });

  it("shows why a retry was refused", async () => {
    const user = userEvent.setup();
    await renderApp("/pending", {
      pending_children_retry: () =>
        fail("conflict", "entity 'inventory_items' is syncing: its run retries its waiting children when it ends"),
    });
    const rows = await screen.findAllByTestId("pending-row");
    await user.click(within(rows[0]!).getByTestId("pending-retry-one"));
    expect(await screen.findByTestId("pending-retry-error")).toHaveTextContent("is syncing");
  });
});
