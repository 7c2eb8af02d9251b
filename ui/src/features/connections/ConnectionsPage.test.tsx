import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { ConnectionInput } from "@/bindings";
import { fail } from "@/dev/mockBackend";
import { connectionDetail } from "@/dev/configFixtures";
import { connections } from "@/dev/fixtures";
import { renderApp } from "@/test/renderApp";

describe("Connections", () => {
  it("shows the empty state whose Add connection button opens the editor", async () => {
    const user = userEvent.setup();
    await renderApp("/connections", { connections_list: () => [] });
    const empty = await screen.findByTestId("empty-state");
    expect(within(empty).getByText("No connections yet")).toBeInTheDocument();
    expect(screen.getByTestId("page-title")).toHaveTextContent("Connections");
    await user.click(within(empty).getByRole("button", { name: "Add connection" }));
    const editor = await screen.findByTestId("connection-editor");
    expect(within(editor).getByRole("heading", { name: "Add a connection" })).toBeInTheDocument();
  });

  it("adds a connection: the password goes to connections_save once and the form never shows it again", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections");
    await user.click(await screen.findByTestId("add-connection"));
    const editor = await screen.findByTestId("connection-editor");
    fireEvent.change(within(editor).getByTestId("connection-name"), { target: { value: "erp" } });
    fireEvent.change(within(editor).getByTestId("connection-url"), { target: { value: "http://127.0.0.1:8007" } });
    fireEvent.change(within(editor).getByTestId("connection-username"), { target: { value: "sync" } });
    fireEvent.change(within(editor).getByTestId("connection-secret"), { target: { value: "s3cret" } });
    expect(within(editor).getByTestId("connection-secret")).toHaveAttribute("type", "password");
    await user.selectOptions(within(editor).getByTestId("connection-decimal"), ",");
    fireEvent.change(within(editor).getByTestId("connection-tz"), { target: { value: "Europe/Istanbul" } });
    await user.click(within(editor).getByTestId("connection-save"));
    await waitFor(() => expect(screen.queryByTestId("connection-editor")).not.toBeInTheDocument());
    const saved = backend.calls.find((c) => c.cmd === "connections_save")?.args.input as ConnectionInput;
    expect(saved).toMatchObject({
      name: "erp",
      kind: "apismith",
      authKind: "password",
      username: "sync",
      secret: "s3cret",
      decimalSeparator: ",",
      dateOrder: "DMY",
      sourceTimezone: "Europe/Istanbul",
      isNew: true,
    });
  });

  it("adds a PostgreSQL connection: a login, a postgres:// URL, no source options, and the core's refusal shown", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections", {
      connections_save: () =>
        fail(
          "validation",
          "connection 'warehouse': URL: URL 'postgres://db' names no database (expected postgres://host:port/dbname, optionally ?schema=NAME)",
        ),
    });
    await user.click(await screen.findByTestId("add-connection"));
    const editor = await screen.findByTestId("connection-editor");
    await user.selectOptions(within(editor).getByTestId("connection-kind"), "postgres");
    const auth = within(editor).getByTestId("connection-auth");
    expect(auth).toHaveValue("password");
    expect(
      within(auth)
        .getAllByRole("option")
        .map((o) => o.getAttribute("value")),
      "PostgreSQL logs in with a username and password only",
    ).toEqual(["password"]);
    expect(within(editor).getByTestId("connection-url")).toHaveAttribute(
      "placeholder",
      "postgres://db.example.com:5432/planning",
    );
    expect(within(editor).getByText(/optionally \?schema=name/)).toBeInTheDocument();
    expect(
      within(editor).queryByTestId("connection-tz"),
      "source options do not apply to a target database",
    ).toBeNull();
    expect(within(editor).queryByTestId("connection-decimal")).toBeNull();
    expect(
      within(editor).getByTestId("connection-ca"),
      "a CA file for the server's TLS certificate",
    ).toBeInTheDocument();
    fireEvent.change(within(editor).getByTestId("connection-name"), { target: { value: "warehouse" } });
    fireEvent.change(within(editor).getByTestId("connection-url"), { target: { value: "postgres://db" } });
    fireEvent.change(within(editor).getByTestId("connection-username"), { target: { value: "syncflow" } });
    fireEvent.change(within(editor).getByTestId("connection-secret"), { target: { value: "pw" } });
    await user.click(within(editor).getByTestId("connection-save"));
    expect(await within(editor).findByTestId("connection-error")).toHaveTextContent(
      "URL 'postgres://db' names no database",
    );
    const sent = backend.calls.find((c) => c.cmd === "connections_save")?.args.input as ConnectionInput;
    expect(sent).toMatchObject({
      name: "warehouse",
      kind: "postgres",
      baseUrl: "postgres://db",
      authKind: "password",
      username: "syncflow",
      secret: "pw",
      caFile: null,
      sourceTimezone: null,
    });
  });

  it("edits a connection without ever receiving its credential, and shows the refusal naming field and value", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections", {
      connections_save: () =>
        fail("validation", "connection 'APISmith — Plant Izmir': source time zone: unknown time zone 'Mars/Base'"),
    });
    const cards = await screen.findAllByTestId("connection-card");
    await user.click(within(cards[0]!).getByTestId("connection-edit"));
    const editor = await screen.findByTestId("connection-editor");
    const secret = await within(editor).findByTestId("connection-secret");
    expect(secret).toHaveValue("");
    expect(within(editor).getByTestId("connection-credential-state")).toHaveTextContent("Saved");
    expect(within(editor).getByTestId("connection-name")).not.toHaveAttribute("readonly");
    expect(within(editor).getByText("Renaming keeps its entities and its saved credential.")).toBeInTheDocument();
    fireEvent.change(within(editor).getByTestId("connection-tz"), { target: { value: "Mars/Base" } });
    await user.click(within(editor).getByTestId("connection-save"));
    expect(await within(editor).findByTestId("connection-error")).toHaveTextContent(
      "source time zone: unknown time zone 'Mars/Base'",
    );
    const sent = backend.calls.find((c) => c.cmd === "connections_save")?.args.input as ConnectionInput;
    expect(sent.secret, "an untouched credential field sends nothing, so the stored one is kept").toBeNull();
    expect(sent.isNew, "an edit updates the connection of that name").toBe(false);
    expect(sent.renamedFrom, "the name was not changed: no rename").toBeNull();
    expect(screen.getByTestId("connection-editor")).toBeInTheDocument();
  });

  it("renames a connection by editing its name: the save says which connection it was", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections");
    const cards = await screen.findAllByTestId("connection-card");
    const before = within(cards[0]!).getByTestId("connection-edit");
    await user.click(before);
    const editor = await screen.findByTestId("connection-editor");
    const name = within(editor).getByTestId("connection-name");
    const old = (name as HTMLInputElement).value;
    expect(old).not.toBe("");
    fireEvent.change(name, { target: { value: "ERP Izmir" } });
    await user.click(within(editor).getByTestId("connection-save"));
    await waitFor(() => expect(screen.queryByTestId("connection-editor")).not.toBeInTheDocument());
    const sent = backend.calls.find((c) => c.cmd === "connections_save")?.args.input as ConnectionInput;
    expect(sent).toMatchObject({ name: "ERP Izmir", renamedFrom: old, isNew: false, secret: null });
  });

  it("closes the editor after a rename, though the old name is gone (its refetch would fail, 'not found')", async () => {
    const user = userEvent.setup();
    const renamed = new Set<string>();
    const { backend } = await renderApp("/connections", {
      connections_save: (a) => {
        const input = a.input as ConnectionInput;
        if (input.renamedFrom) renamed.add(input.renamedFrom);
        return null;
      },
      connections_get: (a) => {
        const name = a.name as string;
        if (renamed.has(name)) fail("not_found", `no connection named '${name}'`);
        return connectionDetail(name);
      },
    });
    const cards = await screen.findAllByTestId("connection-card");
    await user.click(within(cards[0]!).getByTestId("connection-edit"));
    const editor = await screen.findByTestId("connection-editor");
    fireEvent.change(within(editor).getByTestId("connection-name"), { target: { value: "ERP Izmir" } });
    await user.click(within(editor).getByTestId("connection-save"));
    await waitFor(() => expect(screen.queryByTestId("connection-editor")).not.toBeInTheDocument());
    expect(renamed.size, "the save was a rename").toBe(1);
    const [old] = [...renamed];
    const asked = backend.calls.filter((c) => c.cmd === "connections_get" && c.args.name === old);
    expect(asked, "the old name's settings are not asked for again after the rename").toHaveLength(1);
    expect(screen.queryByText(/no connection named/)).not.toBeInTheDocument();
  });

  it("tests a connection and shows reachability, the sign-in result and the latency", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections", {
      connections_test: (a) =>
        a.name === "ScheduleHub production"
          ? {
              reachable: true,
              authenticated: false,
              latencyMs: 7,
              message: "ScheduleHub login: authentication failed (HTTP 401)",
            }
          : { reachable: true, authenticated: true, latencyMs: 42, message: null },
    });
    const cards = await screen.findAllByTestId("connection-card");
    await user.click(within(cards[0]!).getByTestId("connection-test"));
    const ok = await within(cards[0]!).findByTestId("connection-test-result");
    expect(ok).toHaveTextContent("Reachable in 42 ms");
    expect(ok).toHaveTextContent("Sign-in accepted");
    await user.click(within(cards[1]!).getByTestId("connection-test"));
    const bad = await within(cards[1]!).findByTestId("connection-test-result");
    expect(bad).toHaveAttribute("data-ok", "false");
    expect(bad).toHaveTextContent("Sign-in rejected");
    expect(bad).toHaveTextContent("HTTP 401");
    expect(backend.calls.filter((c) => c.cmd === "connections_test").map((c) => c.args.name)).toEqual([
      "APISmith — Plant Izmir",
      "ScheduleHub production",
    ]);
  });

  it("refuses to delete a connection entities use, with the backend's message, after asking", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/connections", {
      connections_delete: () =>
        fail("conflict", "connection 'APISmith — Plant Izmir' is used by entities inventory_items, sites"),
    });
    const cards = await screen.findAllByTestId("connection-card");
    await user.click(within(cards[0]!).getByTestId("connection-delete"));
    expect(
      backend.calls.some((c) => c.cmd === "connections_delete"),
      "nothing is deleted before confirming",
    ).toBe(false);
    await user.click(within(cards[0]!).getByTestId("connection-delete-confirm"));
    expect(await within(cards[0]!).findByTestId("connection-delete-error")).toHaveTextContent(
      "is used by entities inventory_items, sites",
    );
    expect(screen.getAllByTestId("connection-card")).toHaveLength(connections.length);
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

  it("shows where each credential is, and a keychain it could not read as not checked rather than missing", async () => {
    await renderApp("/connections", {
      connections_list: () =>
        [
          { ...connections[0]!, name: "saved", credential: "saved" as const },
          { ...connections[0]!, name: "missing", credential: "not_set" as const },
          { ...connections[0]!, name: "locked", credential: "unknown" as const },
          { ...connections[0]!, name: "env", credential: "environment" as const },
          { ...connections[0]!, name: "open", authKind: "none" as const, credential: "not_needed" as const },
        ].map((c, i) => ({ ...c, id: `${c.id.slice(0, -1)}${i}` })),
    });
    const line = async (name: string) => {
      const cards = await screen.findAllByTestId("connection-card");
      const card = cards.find((c) => c.getAttribute("data-name") === name)!;
      return within(card).queryByTestId("connection-card-credential");
    };
    expect(await line("saved")).toHaveTextContent("Credentials saved in the keychain");
    expect(await line("missing")).toHaveTextContent("No credentials saved");
    expect(await line("locked")).toHaveTextContent("The keychain could not be read: credentials not checked");
    expect(await line("env")).toHaveTextContent("From environment");
    expect(await line("open")).toBeNull();
  });
});
