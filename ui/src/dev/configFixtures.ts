// Sample answers of the configuration commands (connections_get, entities_get/discover, mappings_preview), shaped
// like the backend's, derived from the summaries in fixtures.ts. Used by the tests and by `npm run dev:mock`.
import type { ColumnDef, ConnectionDetail, EntityDef, EntityDetail, MappingPreview } from "@/bindings";
import { connections, entities } from "./fixtures";

const col = (name: string, data_type: string, bk = false, rv = false): ColumnDef => ({
  name,
  data_type,
  is_nullable: !bk,
  is_business_key: bk,
  is_row_version: rv,
});

const COLUMNS: Record<string, ColumnDef[]> = {
  sites: [col("site_id", "VARCHAR2(20)", true), col("SITE_NAME", "NVARCHAR2(100)"), col("OPENED_ON", "DATE")],
  inventory_items: [
    col("site_id", "VARCHAR2(20)", true),
    col("item_id", "VARCHAR2(20)", true),
    col("DESCRIPTION", "NVARCHAR2(400)"),
    col("QUANTITY", "NUMBER(12,2)"),
    col("ORA_ROWSCN", "NUMBER", false, true),
  ],
  work_orders: [
    col("order_no", "VARCHAR2(20)", true),
    col("site_id", "VARCHAR2(20)"),
    col("item_id", "VARCHAR2(20)"),
    col("DUE_DATE", "DATE"),
  ],
};

export function entityDef(name: string): EntityDef {
  const s = entities.find((e) => e.name === name);
  if (!s) throw new Error(`no fixture entity ${name}`);
  return {
    name: s.name,
    sourceConnection: s.sourceConnection,
    slug: s.slug,
    targetConnection: s.targetConnection,
    targetName: s.targetName,
    businessKeys: s.businessKeys,
    rowversionField: s.rowversionField,
    strategy: s.strategy,
    columns: COLUMNS[name] ?? [],
    mappings:
      name === "inventory_items"
        ? [
            {
              source_field: "DESCRIPTION",
              target_field: "DESCRIPTION",
              transformation: "none",
              default_value: null,
              is_required: true,
            },
          ]
        : [],
    parents:
      name === "inventory_items"
        ? [{ refName: "sites", parentEntity: "sites", parentFields: ["site_id"], childFields: ["site_id"] }]
        : [],
    enabled: s.enabled,
    maxDeleteRatio: 0.2,
    pageSize: 5000,
  };
}

export function entityDetail(name: string): EntityDetail {
  const s = entities.find((e) => e.name === name);
  return {
    id: s?.id ?? "",
    def: entityDef(name),
    schemaDrift:
      name === "inventory_items"
        ? { added: ["UOM"], removed: [], retyped: [["QUANTITY", "NUMBER", "VARCHAR2(12)"]], fatal: null }
        : null,
    schemaDriftOther: null,
    watermark: null,
  };
}

export function connectionDetail(name: string): ConnectionDetail {
  const s = connections.find((c) => c.name === name);
  if (!s) throw new Error(`no fixture connection ${name}`);
  return {
    def: {
      name: s.name,
      kind: s.kind,
      baseUrl: s.baseUrl,
      authKind: s.authKind,
      username: s.username,
      credentialKey: `connection:${s.name}`,
      secretEnv: null,
      caFile: null,
      decimalSeparator: ".",
      dateOrder: "DMY",
      sourceTimezone: "Europe/Istanbul",
    },
    credential: s.credential,
    usedBy: entities.filter((e) => e.sourceConnection === name || e.targetConnection === name).map((e) => e.name),
  };
}

export const transformations = [
  "none",
  "uppercase",
  "lowercase",
  "trim",
  "title_case",
  "capitalize",
  "strip_whitespace",
  "remove_special_chars",
];

/** Discovery on the fixture APISmith: one API already configured (`erp-sites` as `sites`), one new. */
export function discovered(source: string, target: string): EntityDef[] {
  const base = { ...entityDef("sites"), sourceConnection: source, targetConnection: target, mappings: [], parents: [] };
  return [
    base,
    {
      ...base,
      name: "work_centers",
      slug: "work-centers",
      targetName: "work_centers",
      businessKeys: ["WC_ID"],
      strategy: "hash",
      columns: [col("WC_ID", "VARCHAR2(10)", true), col("CAPACITY", "NUMBER(8,2)")],
    },
  ];
}

/** What the preview of `def` gives for three sample rows: a missing description fails unless a default is set. */
export function preview(def: EntityDef): MappingPreview {
  const m = def.mappings.find((x) => x.source_field === "DESCRIPTION");
  const fallback = m?.default_value ?? null;
  const upper = m?.transformation === "uppercase";
  const raws = [
    { item_id: "ITM-1", site_id: "S1", DESCRIPTION: "Hex bolt" },
    { item_id: "ITM-2", site_id: "S1", DESCRIPTION: null },
    { item_id: "ITM-3", site_id: "S2", DESCRIPTION: "Bearing" },
  ];
  const rows = raws.map((raw, i) => {
    const description = raw.DESCRIPTION === null ? fallback : upper ? raw.DESCRIPTION.toUpperCase() : raw.DESCRIPTION;
    const saved = raw.DESCRIPTION === null ? null : `${"d".repeat(63)}${i}`;
    if (description === null && m?.is_required) {
      return {
        raw: JSON.stringify(raw),
        mapped: null,
        bkHash: null,
        dataHash: null,
        savedDataHash: saved,
        error: {
          stage: "validate" as const,
          errorType: "missing_required",
          field: "DESCRIPTION",
          value: null,
          message: "Required field 'DESCRIPTION' is missing or NULL",
        },
      };
    }
    const dataHash = upper && raw.DESCRIPTION !== null ? `${"e".repeat(63)}${i}` : (saved ?? `${"f".repeat(63)}${i}`);
    return {
      raw: JSON.stringify(raw),
      mapped: JSON.stringify({ ...raw, DESCRIPTION: description }),
      bkHash: `${"b".repeat(31)}${i}`,
      dataHash,
      savedDataHash: saved,
      error: null,
    };
  });
  const hashesChanged = rows.filter((r) => r.dataHash && r.savedDataHash && r.dataHash !== r.savedDataHash).length;
  return { rows, hashesChanged };
}
