import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { EntityDef } from "@/bindings";
import { preview } from "@/dev/configFixtures";
import { entities } from "@/dev/fixtures";
import { fail } from "@/dev/mockBackend";
import { renderApp } from "@/test/renderApp";
import { formatDefault, parseDefault } from "./MappingEditor";

const items = entities[1]!;

async function openItems() {
  const view = await renderApp("/mappings?entity=inventory_items", {
    failed_records_retry: () => ({ resolved: 9, failedAgain: 0, parked: 0 }),
  });
  const editor = await screen.findByTestId("mapping-editor");
  expect(editor).toHaveAttribute("data-entity", "inventory_items");
  await within(editor).findAllByTestId("mapping-row");
  return { ...view, editor };
}

describe("Field mappings", () => {
  it("previews fresh rows: before and after, hashes, and the failing row's stage, field and reason", async () => {
    const user = userEvent.setup();
    const { editor, backend } = await openItems();
    await user.click(within(editor).getByTestId("mapping-preview"));
    const rows = await screen.findAllByTestId("preview-row");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveAttribute("data-ok", "false");
    expect(within(rows[1]!).getByTestId("preview-error")).toHaveTextContent(
      "Required field 'DESCRIPTION' is missing or NULL",
    );
    expect(within(rows[1]!).getByText("Validate")).toBeInTheDocument();
    expect(within(rows[0]!).getByTestId("preview-data-hash")).toHaveTextContent("dddddddddddd…");
    expect(within(rows[0]!).getByText(/Business-key hash/)).toBeInTheDocument();
    const call = backend.calls.find((c) => c.cmd === "mappings_preview");
    expect(call?.args.rows).toBe(5);
  });

  it("fixes a required field with a default: the preview passes, saving sends it and offers to retry failed records", async () => {
    const user = userEvent.setup();
    const { editor, backend } = await openItems();
    const row = within(editor).getAllByTestId("mapping-row")[0]!;
    fireEvent.change(within(row).getByTestId("mapping-default"), { target: { value: "(no description)" } });
    await user.click(within(editor).getByTestId("mapping-preview"));
    await waitFor(() => expect(screen.getAllByTestId("preview-row").every((r) => r.dataset.ok === "true")).toBe(true));
    expect(screen.getAllByTestId("preview-after")[1]).toHaveTextContent("(no description)");
    await user.click(within(editor).getByTestId("mapping-save"));
    expect(await within(editor).findByTestId("mapping-saved")).toHaveTextContent("Mappings saved.");
    const saved = backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef;
    expect(saved.mappings[0]).toMatchObject({
      source_field: "DESCRIPTION",
      default_value: "(no description)",
      is_required: true,
    });
    // No sample row's hash changed, so neither a warning nor a full-refresh offer; the open failed records can be
    // retried here.
    expect(within(editor).queryByTestId("mapping-hash-warning")).not.toBeInTheDocument();
    expect(within(editor).queryByTestId("full-refresh-offer")).not.toBeInTheDocument();
    await user.click(await within(editor).findByTestId("mapping-retry-failed"));
    expect(await within(editor).findByTestId("mapping-retry-result")).toHaveTextContent("9 resolved, 0 failed again");
    expect(backend.calls.find((c) => c.cmd === "failed_records_retry")?.args).toMatchObject({
      ids: [],
      filter: { entityId: items.id, includeResolved: false },
    });
  });

  it("warns before saving a change that alters data hashes and can start a full refresh", async () => {
    const user = userEvent.setup();
    const { editor, backend } = await openItems();
    const row = within(editor).getAllByTestId("mapping-row")[0]!;
    await user.selectOptions(within(row).getByTestId("mapping-transformation"), "uppercase");
    await user.click(within(editor).getByTestId("mapping-save"));
    const warning = await within(editor).findByTestId("mapping-hash-warning");
    expect(warning).toHaveTextContent("alters the data hash of 2 of 3 sample rows");
    expect(
      backend.calls.some((c) => c.cmd === "entities_save"),
      "nothing is saved before the planner chooses",
    ).toBe(false);
    await user.click(within(warning).getByTestId("mapping-save-full"));
    await within(editor).findByTestId("mapping-saved");
    await waitFor(() =>
      expect(backend.calls.find((c) => c.cmd === "runs_start")?.args).toEqual({ entityId: items.id, full: true }),
    );
    expect(
      preview({ ...(backend.calls.find((c) => c.cmd === "entities_save")?.args.def as EntityDef) }).hashesChanged,
    ).toBe(2);
  });

  it("saves even when APISmith cannot be reached for the check, and then offers a full refresh on the store's word", async () => {
    const user = userEvent.setup();
    const { backend } = await renderApp("/mappings?entity=inventory_items", {
      mappings_preview: () => fail("network", "APISmith A5 execute 'erp-inventory-items' page 1: cannot connect"),
      entities_save: () => ({ id: items.id, hashesChanged: true }),
      runs_start: () => "0197a1c0-0000-7000-8000-00000000aaaa",
    });
    const editor = await screen.findByTestId("mapping-editor");
    const row = (await within(editor).findAllByTestId("mapping-row"))[0]!;
    await user.selectOptions(within(row).getByTestId("mapping-transformation"), "trim");
    await user.click(within(editor).getByTestId("mapping-save"));
    await within(editor).findByTestId("mapping-saved");
    expect(backend.calls.some((c) => c.cmd === "entities_save")).toBe(true);
    const offer = within(editor).getByTestId("full-refresh-offer");
    await user.click(within(offer).getByTestId("full-refresh-start"));
    await within(offer).findByTestId("full-refresh-started");
    expect(backend.calls.find((c) => c.cmd === "runs_start")?.args).toEqual({ entityId: items.id, full: true });
  });

  it("shows the core's validation message when saving is refused, and nothing else happens", async () => {
    const user = userEvent.setup();
    const message = "Mapping of 'DESCRIPTION': unknown transformation 'shout' (known: none, uppercase)";
    const { editor, backend } = await renderApp("/mappings?entity=inventory_items", {
      mappings_preview: () => fail("validation", message),
    }).then(async (v) => ({ ...v, editor: await screen.findByTestId("mapping-editor") }));
    await within(editor).findAllByTestId("mapping-row");
    await user.click(within(editor).getByTestId("mapping-save"));
    expect(await within(editor).findByTestId("mapping-error")).toHaveTextContent(message);
    expect(backend.calls.some((c) => c.cmd === "entities_save")).toBe(false);
  });

  it("adds and removes mapping rows with the core's transformations", async () => {
    const user = userEvent.setup();
    const { editor } = await openItems();
    await user.click(within(editor).getByTestId("mapping-add"));
    const rows = within(editor).getAllByTestId("mapping-row");
    expect(rows).toHaveLength(2);
    const options = within(rows[1]!).getByTestId("mapping-transformation").querySelectorAll("option");
    expect([...options].map((o) => o.value)).toContain("remove_special_chars");
    await user.click(within(rows[1]!).getByRole("button", { name: /Remove the mapping/ }));
    expect(within(editor).getAllByTestId("mapping-row")).toHaveLength(1);
  });
});

describe("default values", () => {
  it("keep JSON literals typed and everything else as text", () => {
    expect(parseDefault("")).toBeNull();
    expect(parseDefault("0")).toBe(0);
    expect(parseDefault("false")).toBe(false);
    expect(parseDefault('"007"')).toBe("007");
    expect(parseDefault("(no description)")).toBe("(no description)");
    expect(formatDefault("12"), "text that reads as a number is quoted so it stays text").toBe('"12"');
    expect(parseDefault(formatDefault("12"))).toBe("12");
    expect(formatDefault("EA")).toBe("EA");
    expect(formatDefault(0)).toBe("0");
  });
});
