import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ConfirmAction } from "./ConfirmAction";

const ids = { opener: "open", box: "box", confirm: "yes", cancel: "no" };

function renderAction(onConfirm = vi.fn(), pending = false) {
  render(
    <ConfirmAction
      label="Delete"
      question="Delete 'sites'?"
      cancelLabel="Cancel"
      pending={pending}
      onConfirm={onConfirm}
      testIds={ids}
    />,
  );
  return onConfirm;
}

describe("ConfirmAction", () => {
  it("asks first, with focus on the confirming button, and runs the action only when confirmed", async () => {
    const user = userEvent.setup();
    const onConfirm = renderAction();
    await user.click(screen.getByTestId("open"));
    expect(onConfirm).not.toHaveBeenCalled();
    expect(screen.getByRole("alertdialog", { name: "Delete 'sites'?" })).toBeInTheDocument();
    expect(screen.getByTestId("yes")).toHaveFocus();
    await user.keyboard("{Enter}");
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId("box"), "the question stays until the action closes it").toBeInTheDocument();
    onConfirm.mock.calls[0]![0]();
    expect(await screen.findByTestId("open")).toHaveFocus();
  });

  it("dismisses the question with Escape or Cancel, returns focus to the opener, and keeps Escape from the page", async () => {
    const user = userEvent.setup();
    const onPageKey = vi.fn();
    document.addEventListener("keydown", onPageKey);
    try {
      const onConfirm = renderAction();
      await user.click(screen.getByTestId("open"));
      await user.keyboard("{Escape}");
      expect(screen.queryByTestId("box")).not.toBeInTheDocument();
      expect(screen.getByTestId("open")).toHaveFocus();
      expect(onPageKey, "a drawer around the question must not see the Escape").not.toHaveBeenCalled();

      await user.click(screen.getByTestId("open"));
      await user.click(screen.getByTestId("no"));
      expect(screen.getByTestId("open")).toHaveFocus();
      expect(onConfirm).not.toHaveBeenCalled();
    } finally {
      document.removeEventListener("keydown", onPageKey);
    }
  });

  it("disables both answers while the action runs", async () => {
    const user = userEvent.setup();
    renderAction(vi.fn(), true);
    await user.click(screen.getByTestId("open"));
    expect(screen.getByTestId("yes")).toBeDisabled();
    expect(screen.getByTestId("no")).toBeDisabled();
  });
});
