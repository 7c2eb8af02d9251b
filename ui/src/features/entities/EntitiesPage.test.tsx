import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { EntityDef } from "@/bindings";
import { entityDetail } from "@/dev/configFixtures";
import { connections } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";

describe("Entities", () => {
  it("discovers APIs, shows their columns and types, and creates the picked ones", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities");
    await user.click(await screen.findByTestId("discover-open"));
    const drawer = await screen.findByTestId("discover-drawer");
    await user.click(within(drawer).getByTestId("discover-run"));
    const apis = await within(drawer).findAllByTestId("discover-api");
    expect(apis).toHaveLength(2);
    expect(backend.calls.find((c) => c.cmd === "entities_discover")?.args).toEqual({
      source: "APISmith — Plant Izmir",
      target: "ScheduleHub production",
    });
    // The first is already an entity and cannot be picked twice.
    expect(within(apis[0]!).getByTestId("discover-pick")).toBeDisabled();
    expect(within(apis[1]!).getByText("CAPACITY")).toBeInTheDocument();
    expect(within(apis[1]!).getByText("NUMBER(8,2)")).toBeInTheDocument();
    await user.click(within(apis[1]!).getByTestId("discover-pick"));
    // The same API from a second plant gets a name of its own, and can then be picked.
    fireEvent.change(within(apis[0]!).getByTestId("discover-name"), { target: { value: "sites_plant2" } });
    expect(within(apis[0]!).getByTestId("discover-pick")).toBeEnabled();
    await user.click(within(apis[0]!).getByTestId("discover-pick"));
    expect(within(drawer).getByTestId("discover-create")).toHaveTextContent("Create entities (2)");
    await user.click(within(drawer).getByTestId("discover-create"));
    await waitFor(() => expect(screen.queryByTestId("discover-drawer")).not.toBeInTheDocument());
    const created = backend.calls.find((c) => c.cmd === "entities_create")?.args.defs as EntityDef[];
    expect(created.map((d) => [d.name, d.slug])).toEqual([
      ["sites_plant2", "erp-sites"],
      ["work_centers", "work-centers"],
    ]);
  });

  it("edits keys, strategy and a parent with pickers, shows the schema drift, and saves", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities");
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[1]!).getByTestId("entity-edit"));
    const editor = await screen.findByTestId("entity-editor");
    const drift = await within(editor).findByTestId("entity-drift");
    expect(drift).toHaveTextContent("New columns: UOM");
    expect(drift).toHaveTextContent("QUANTITY changed type: NUMBER → VARCHAR2(12)");
    await user.click(within(editor).getByRole("checkbox", { name: "DESCRIPTION" }));
    await user.selectOptions(within(editor).getByTestId("entity-strategy"), "hash");
    await user.selectOptions(within(editor).getByTestId("entity-rowversion"), "");
    const parent = within(editor).getByTestId("parent-ref");
    expect(within(parent).getByTestId("parent-entity")).toHaveValue("sites");
    // The parent's side offers the parent's business key, not free text nor its other fields.
    await waitFor(() =>
      expect(
        within(within(parent).getByTestId("parent-parent-field"))
          .getAllByRole("option")
          .map((o) => o.textContent),
      ).toEqual(["—", "site_id"]),
    );
    await user.click(within(editor).getByTestId("entity-enabled"));
    await user.click(within(editor).getByTestId("entity-save"));
    await waitFor(() => expect(screen.queryByTestId("entity-editor")).not.toBeInTheDocument());
    const saved = backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef;
    expect(saved).toMatchObject({
      name: "inventory_items",
      strategy: "hash",
      rowversionField: null,
      enabled: false,
      businessKeys: ["site_id", "item_id", "DESCRIPTION"],
      parents: [{ parentEntity: "sites", parentFields: ["site_id"], childFields: ["site_id"] }],
    });
  });

  it("edits every field pair of a parent reference, offering the parent's key fields", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities");
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[2]!).getByTestId("entity-edit"));
    const editor = await screen.findByTestId("entity-editor");
    await user.click(within(editor).getByTestId("parent-add"));
    const parent = within(editor).getByTestId("parent-ref");
    await user.selectOptions(within(parent).getByTestId("parent-entity"), "inventory_items");
    expect(within(parent).getAllByTestId("parent-pair")).toHaveLength(1);
    expect(within(parent).getByTestId("parent-pair-remove")).toBeDisabled();
    await user.click(within(parent).getByTestId("parent-pair-add"));
    const pairs = within(parent).getAllByTestId("parent-pair");
    expect(pairs).toHaveLength(2);
    const parentSide = within(pairs[1]!).getByTestId("parent-parent-field");
    await waitFor(() =>
      expect(
        within(parentSide)
          .getAllByRole("option")
          .map((o) => o.textContent),
      ).toEqual(["—", "site_id", "item_id"]),
    );
    await user.selectOptions(within(pairs[0]!).getByTestId("parent-child-field"), "site_id");
    await user.selectOptions(within(pairs[0]!).getByTestId("parent-parent-field"), "site_id");
    await user.selectOptions(within(pairs[1]!).getByTestId("parent-child-field"), "item_id");
    await user.selectOptions(parentSide, "item_id");
    // Each pair keeps its own picks.
    expect(within(pairs[0]!).getByTestId("parent-child-field")).toHaveValue("site_id");
    await user.click(within(editor).getByTestId("entity-save"));
    await waitFor(() => expect(screen.queryByTestId("entity-editor")).not.toBeInTheDocument());
    const saved = backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef;
    expect(saved.parents).toEqual([
      {
        refName: "inventory_items",
        parentEntity: "inventory_items",
        childFields: ["site_id", "item_id"],
        parentFields: ["site_id", "item_id"],
      },
    ]);
  });

  it("removes a field pair and re-picks the parent's side when the parent entity changes", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities");
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[1]!).getByTestId("entity-edit"));
    const editor = await screen.findByTestId("entity-editor");
    const parent = within(editor).getByTestId("parent-ref");
    await user.click(within(parent).getByTestId("parent-pair-add"));
    await user.selectOptions(within(parent).getAllByTestId("parent-child-field")[1]!, "item_id");
    await user.click(within(parent).getAllByTestId("parent-pair-remove")[0]!);
    const left = within(parent).getAllByTestId("parent-pair");
    expect(left).toHaveLength(1);
    expect(within(left[0]!).getByTestId("parent-child-field")).toHaveValue("item_id");
    await user.selectOptions(within(parent).getByTestId("parent-entity"), "work_orders");
    expect(within(parent).getByTestId("parent-parent-field")).toHaveValue("");
    expect(within(parent).getByTestId("parent-child-field")).toHaveValue("item_id");
    await user.click(within(editor).getByTestId("entity-save"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "entities_save")).toBe(true));
    const saved = backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef;
    expect(saved.parents).toMatchObject([
      { parentEntity: "work_orders", refName: "work_orders", childFields: ["item_id"], parentFields: [""] },
    ]);
  });

  it("deletes an entity after a confirmation, and shows the store's refusal for a parent", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities");
    let rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[0]!).getByTestId("entity-edit"));
    let editor = await screen.findByTestId("entity-editor");
    await user.click(within(editor).getByTestId("entity-delete"));
    expect(within(editor).getByTestId("entity-delete-confirm-box")).toHaveTextContent("ScheduleHub keeps the records");
    await user.click(within(editor).getByTestId("entity-delete-confirm"));
    expect(await within(editor).findByTestId("entity-delete-error")).toHaveTextContent(
      "entity 'sites' is the parent of inventory_items",
    );
    expect(screen.getByTestId("entity-editor")).toBeInTheDocument();
    await user.click(within(editor).getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.queryByTestId("entity-editor")).not.toBeInTheDocument());

    rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[2]!).getByTestId("entity-edit"));
    editor = await screen.findByTestId("entity-editor");
    await user.click(within(editor).getByTestId("entity-delete"));
    await user.click(within(editor).getByTestId("entity-delete-confirm"));
    await waitFor(() => expect(screen.queryByTestId("entity-editor")).not.toBeInTheDocument());
    expect(backend.calls.filter((c) => c.cmd === "entities_delete").map((c) => c.args.entity)).toEqual([
      "sites",
      "work_orders",
    ]);
    expect(backend.calls.filter((c) => c.cmd === "entities_save")).toHaveLength(0);
    expect(
      backend.calls.filter((c) => c.cmd === "entities_get" && c.args.entity === "work_orders"),
      "a removed entity's definition is not asked for again (it would answer 'not found' under the closing editor)",
    ).toHaveLength(1);
  });

  it("shows a stored drift report of another shape as it is, rather than hiding it", async () => {
    const user = userEvent.setup();
    await renderApp("/entities", {
      entities_get: () => ({
        ...entityDetail("sites"),
        schemaDrift: null,
        schemaDriftOther: '{"new_columns":["REGION"]}',
      }),
    });
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[0]!).getByTestId("entity-edit"));
    const drift = await within(await screen.findByTestId("entity-editor")).findByTestId("entity-drift");
    expect(drift).toHaveTextContent('{"new_columns":["REGION"]}');
  });

  it("shows the store's refusal with every problem and keeps the editor open", async () => {
    const user = userEvent.setup();
    await renderApp("/entities", {
      entities_get: () => ({ ...entityDetail("sites"), schemaDrift: null }),
      entities_save: () =>
        fail(
          "validation",
          "entity 'sites' cannot be saved:\n- Parent references form a cycle: sites -> inventory_items -> sites",
        ),
    });
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[0]!).getByTestId("entity-edit"));
    const editor = await screen.findByTestId("entity-editor");
    expect(within(editor).queryByTestId("entity-drift")).not.toBeInTheDocument();
    fireEvent.click(await within(editor).findByTestId("entity-save"));
    expect(await within(editor).findByTestId("entity-error")).toHaveTextContent(
      "Parent references form a cycle: sites -> inventory_items -> sites",
    );
  });

  it("moves an entity to a PostgreSQL target: the editor offers the connection and asks for the table", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/entities", {
      connections_list: () => [
        ...connections,
        {
          id: "0197a1c0-0000-7000-8000-000000000003",
          name: "warehouse",
          kind: "postgres",
          baseUrl: "postgres://db.example.com:5432/planning",
          authKind: "password",
          username: "syncflow",
          credential: "saved",
        },
      ],
    });
    const rows = await screen.findAllByTestId("entity-row");
    await user.click(within(rows[1]!).getByTestId("entity-edit"));
    const editor = await screen.findByTestId("entity-editor");
    const target = await within(editor).findByTestId("entity-target");
    await waitFor(() =>
      expect(
        within(target)
          .getAllByRole("option")
          .map((o) => o.textContent),
      ).toEqual(["ScheduleHub production (ScheduleHub)", "warehouse (PostgreSQL)"]),
    );
    expect(within(editor).getByLabelText("ScheduleHub entity")).toBeInTheDocument();
    await user.selectOptions(target, "warehouse");
    const table = within(editor).getByLabelText("Table");
    expect(within(editor).getByText(/Created by the first load/)).toBeInTheDocument();
    fireEvent.change(table, { target: { value: "inventory_items" } });
    await user.click(within(editor).getByTestId("entity-save"));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "entities_save")).toBe(true));
    const saved = backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef;
    expect([saved.targetConnection, saved.targetName]).toEqual(["warehouse", "inventory_items"]);
  });
});
