import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fail } from "@/dev/mockBackend";
import { connections } from "@/dev/fixtures";
import { renderApp } from "@/test/renderApp";

describe("Connections", () => {
  it("shows the empty state with an Add connection button when there are none", async () => {
    await renderApp("/connections", { connections_list: () => [] });
    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No connections yet")).toBeInTheDocument();
    const add = within(empty).getByRole("button", { name: "Add connection" });
    // Not wired yet: reachable by keyboard, explained, and inert.
    expect(add).toHaveAttribute("aria-disabled", "true");
    expect(add).toHaveAccessibleDescription("Available in a coming version");
    expect(screen.getByTestId("page-title")).toHaveTextContent("Connections");
  });

  it("lists connections with their kind and whether a credential is saved", async () => {
    await renderApp("/connections");
    const cards = await screen.findAllByTestId("connection-card");
    expect(cards).toHaveLength(connections.length);
    expect(within(cards[0]!).getByText("APISmith")).toBeInTheDocument();
    expect(within(cards[0]!).getByText("Credentials saved in the keychain")).toBeInTheDocument();
    expect(within(cards[1]!).getByText("No credentials saved")).toBeInTheDocument();
    expect(screen.queryByTestId("empty-state")).not.toBeInTheDocument();
  });

  it("shows the backend's error with its code and offers to try again", async () => {
    await renderApp("/connections", { connections_list: () => fail("keychain", "The login keyring is locked") });
    const alert = await screen.findByTestId("error-state");
    expect(alert).toHaveAttribute("data-error-code", "keychain");
    expect(alert).toHaveTextContent("The system keychain is not available");
    expect(alert).toHaveTextContent("The login keyring is locked");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
