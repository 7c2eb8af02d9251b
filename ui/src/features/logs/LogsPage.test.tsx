import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { renderApp } from "@/test/renderApp";

describe("Logs", () => {
  it("asks for info and above by default, and for errors only when filtered", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/logs");
    const lines = await screen.findAllByTestId("log-line");
    expect(lines.map((l) => l.dataset.level)).not.toContain("debug");
    expect(backend.calls).toContainEqual({ cmd: "logs_recent", args: { level: "info", limit: 500 } });

    await user.selectOptions(screen.getByTestId("logs-level"), "error");
    await waitFor(() => expect(screen.getAllByTestId("log-line").map((l) => l.dataset.level)).toEqual(["error"]));
  });

  it("shows the empty state when there is nothing at that level", async () => {
    await renderApp("/logs", { logs_recent: () => [] });
    expect(await screen.findByTestId("empty-state")).toHaveTextContent("No log lines at this level");
  });
});
