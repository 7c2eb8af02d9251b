import { render, screen, within } from "@testing-library/react";
import { beforeAll, describe, expect, it } from "vitest";
import { initI18n } from "@/lib/i18n";
import { Table, TableHead } from "./Table";

beforeAll(async () => {
  await initI18n("en");
});

describe("TableHead", () => {
  it("names every column, hides the selection and actions headings from sight but not from screen readers", () => {
    render(
      <Table label="Failed records">
        <TableHead
          columns={[{ label: "Select", hidden: true }, "Record", { label: "Attempts", className: "text-end" }]}
          actions
        />
      </Table>,
    );
    const headers = within(screen.getByRole("table", { name: "Failed records" })).getAllByRole("columnheader");
    expect(headers.map((h) => h.textContent)).toEqual(["Select", "Record", "Attempts", "Actions"]);
    expect(within(headers[0]!).getByText("Select")).toHaveClass("sr-only");
    expect(within(headers[3]!).getByText("Actions")).toHaveClass("sr-only");
    expect(headers[1]!.querySelector(".sr-only")).toBeNull();
    expect(headers[2]).toHaveClass("text-end");
    expect(headers.every((h) => h.getAttribute("scope") === "col")).toBe(true);
  });

  it("adds no actions column unless asked", () => {
    render(
      <Table label="Runs">
        <TableHead columns={["Entity", "Started"]} />
      </Table>,
    );
    expect(screen.getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Entity", "Started"]);
  });
});
