// Realistic sample data shaped exactly like the backend's answers. Used by the tests and by `npm run dev:mock`
// (the UI in a plain browser, without the Rust side).
import type {
  AppInfo,
  ConnectionSummary,
  DailyStat,
  DashboardSummary,
  EntitySummary,
  FailedRecordFilter,
  FailedRecordPage,
  FailedRecordSummary,
  LogLevel,
  LogLine,
  PendingChild,
  RunDetail,
  RunFilter,
  RunSample,
  RunSummary,
  ScheduleSummary,
  TrayStatus,
  Settings,
  Stage,
} from "@/bindings";

// Anchored to the current minute so relative times ("in 20 minutes") look right in the demo.
const BASE = Math.floor(Date.now() / 60_000) * 60_000;
const iso = (offsetMinutes: number) => new Date(BASE + offsetMinutes * 60_000).toISOString();

export const settings: Settings = { language: "en", theme: "system", demoMode: true, startAtLogin: false };

export const appInfo: AppInfo = {
  version: "0.1.0",
  dataDir: "/home/planner/.local/share/syncflow",
  logDir: "/home/planner/.local/share/syncflow/logs",
  dbPath: "/home/planner/.local/share/syncflow/syncflow.db",
  clockOffsetSecs: 0,
};

export const connections: ConnectionSummary[] = [
  {
    id: "0197a1c0-0000-7000-8000-000000000001",
    name: "APISmith — Plant Izmir",
    kind: "apismith",
    baseUrl: "https://apismith.plant.example/api/v1",
    authKind: "password",
    username: "sync_reader",
    credential: "saved",
  },
  {
    id: "0197a1c0-0000-7000-8000-000000000002",
    name: "ScheduleHub production",
    kind: "schedulehub",
    baseUrl: "https://schedulehub.example/api",
    authKind: "token",
    username: null,
    credential: "not_set",
  },
];

export const entities: EntitySummary[] = [
  {
    id: "0197a1c0-0000-7000-8000-0000000000e1",
    name: "sites",
    slug: "erp-sites",
    sourceConnection: "APISmith — Plant Izmir",
    targetConnection: "ScheduleHub production",
    targetName: "Site",
    strategy: "full",
    enabled: true,
    businessKeys: ["site_id"],
    rowversionField: null,
    lastRunStatus: "completed",
    lastRunAt: iso(-60),
  },
  {
    id: "0197a1c0-0000-7000-8000-0000000000e2",
    name: "inventory_items",
    slug: "erp-inventory-items",
    sourceConnection: "APISmith — Plant Izmir",
    targetConnection: "ScheduleHub production",
    targetName: "Item",
    strategy: "rowversion",
    enabled: true,
    businessKeys: ["site_id", "item_id"],
    rowversionField: "ORA_ROWSCN",
    lastRunStatus: "completed_with_errors",
    lastRunAt: iso(-30),
  },
  {
    id: "0197a1c0-0000-7000-8000-0000000000e3",
    name: "work_orders",
    slug: "erp-work-orders",
    sourceConnection: "APISmith — Plant Izmir",
    targetConnection: "ScheduleHub production",
    targetName: "WorkOrder",
    strategy: "hash",
    enabled: false,
    businessKeys: ["order_no"],
    rowversionField: null,
    lastRunStatus: null,
    lastRunAt: null,
  },
];

function run(i: number, entity: EntitySummary, patch: Partial<RunSummary>): RunSummary {
  return {
    id: `0197a1c0-0000-7000-8000-${String(1000 + i).padStart(12, "0")}`,
    entityId: entity.id,
    entityName: entity.name,
    status: "completed",
    trigger: "schedule",
    fullRefresh: false,
    startedAt: iso(-i * 180),
    finishedAt: iso(-i * 180 + 4),
    fetched: 1200,
    inserted: 12,
    updated: 40,
    deleted: 0,
    skipped: 1148,
    failed: 0,
    pending: 0,
    duplicates: 0,
    errorMessage: null,
    ...patch,
  };
}

const [sites, items, orders] = entities as [EntitySummary, EntitySummary, EntitySummary];

export const runs: RunSummary[] = [
  run(0, items, {
    status: "running",
    trigger: "manual",
    finishedAt: null,
    fetched: 4000,
    inserted: 20,
    updated: 310,
    skipped: 3670,
  }),
  run(1, items, { status: "completed_with_errors", failed: 7, pending: 3, skipped: 1138 }),
  run(2, sites, { status: "completed", fetched: 42, inserted: 0, updated: 1, skipped: 41 }),
  run(3, orders, {
    status: "failed",
    fetched: 0,
    inserted: 0,
    updated: 0,
    skipped: 0,
    errorMessage: "APISmith is unreachable: connection refused (after 5 attempts)",
  }),
  run(4, sites, {
    status: "needs_review",
    fullRefresh: true,
    deleted: 0,
    errorMessage: "Deletes held: 9 of 42 active records (21%) would be removed",
  }),
  run(5, items, { status: "cancelled", finishedAt: iso(-5 * 180 + 1) }),
];

const STAGES: Stage[] = ["normalize", "validate", "identity", "resolve", "load"];
const MESSAGES: Record<Stage, [string, string, string | null, string | null]> = {
  fetch: ["http", "Page 3 could not be read", null, null],
  normalize: ["not_a_number", 'QUANTITY: "12abc" is not a number', "QUANTITY", "12abc"],
  validate: ["required", "Required field 'ITEM_ID' is missing or NULL", "ITEM_ID", null],
  identity: ["bk_null", "Business key field 'site_id' is NULL", "site_id", null],
  resolve: ["parent_missing", "parent sites|site_id=SITE-Z not found after 5 attempts", null, null],
  load: ["rejected", "ScheduleHub rejected the record: unit 'BOX12' is unknown", "uom", "BOX12"],
};

export const failedRecords: FailedRecordSummary[] = Array.from({ length: 57 }, (_, i) => {
  const stage = STAGES[i % STAGES.length] as Stage;
  const [errorType, message, field, value] = MESSAGES[stage];
  return {
    id: `0197a1c0-0000-7000-9000-${String(i).padStart(12, "0")}`,
    entityId: items.id,
    entityName: items.name,
    runId: runs[1]?.id ?? "",
    stage,
    errorType,
    message,
    field,
    value,
    erpRefStr: `site_id=IZM|item_id=ITM-${String(10_000 + i)}`,
    attempts: i % 3,
    createdAt: iso(-180 - i),
    resolvedAt: i % 10 === 9 ? iso(-10) : null,
  };
});

export function queryFailedRecords(all: FailedRecordSummary[], filter: FailedRecordFilter): FailedRecordPage {
  const needle = filter.search?.toLowerCase() ?? null;
  const matching = all.filter(
    (r) =>
      (filter.includeResolved || r.resolvedAt === null) &&
      (filter.entityId === null || r.entityId === filter.entityId) &&
      (filter.runId === null || r.runId === filter.runId) &&
      (filter.stage === null || r.stage === filter.stage) &&
      (filter.errorType === null || r.errorType === filter.errorType) &&
      (needle === null ||
        [r.message, r.field ?? "", r.erpRefStr ?? ""].some((text) => text.toLowerCase().includes(needle))),
  );
  return { items: matching.slice(filter.offset, filter.offset + filter.limit), total: matching.length };
}

export function queryRuns(all: RunSummary[], filter: RunFilter): RunSummary[] {
  return all
    .filter(
      (r) =>
        (filter.entityId === null || r.entityId === filter.entityId) &&
        (filter.status === null || r.status === filter.status) &&
        (filter.trigger === null || r.trigger === filter.trigger) &&
        (filter.since === null || r.startedAt.slice(0, 10) >= filter.since) &&
        (filter.until === null || r.startedAt.slice(0, 10) <= filter.until),
    )
    .slice(0, filter.limit);
}

export const pendingChildren: PendingChild[] = [
  {
    entityId: items.id,
    entityName: items.name,
    bkHash: "9f2c1e0b7a4d4c3e8b1a2f0e9d8c7b6a",
    refName: "site",
    parentRefStr: "site_id=SITE-Z",
    attempts: 2,
    nextRetryAt: iso(15),
    createdAt: iso(-200),
  },
  {
    entityId: items.id,
    entityName: items.name,
    bkHash: "1a2b3c4d5e6f708192a3b4c5d6e7f809",
    refName: "site",
    parentRefStr: "site_id=SITE-Q",
    attempts: 4,
    nextRetryAt: iso(50),
    createdAt: iso(-900),
  },
];

export const schedules: ScheduleSummary[] = [
  {
    entityId: sites.id,
    entityName: sites.name,
    mode: "interval",
    intervalMinutes: 30,
    windowStart: "19:00",
    windowEnd: "07:00",
    daysToComplete: null,
    rowEstimate: null,
    paused: false,
    nextRunAt: iso(20),
    initialLoad: null,
  },
  {
    entityId: items.id,
    entityName: items.name,
    mode: "nightly",
    intervalMinutes: null,
    windowStart: "19:00",
    windowEnd: "07:00",
    daysToComplete: 3,
    rowEstimate: 1_200_000,
    paused: false,
    nextRunAt: iso(120),
    initialLoad: {
      rowsRead: 400_000,
      rowsPerNight: 400_000,
      percent: 33,
      complete: false,
      expectedFinishAt: iso(60 * 50),
    },
  },
  {
    entityId: orders.id,
    entityName: orders.name,
    mode: "off",
    intervalMinutes: null,
    windowStart: "19:00",
    windowEnd: "07:00",
    daysToComplete: null,
    rowEstimate: null,
    paused: true,
    nextRunAt: null,
    initialLoad: null,
  },
];

export const trayStatus: TrayStatus = {
  state: "idle",
  tooltip: "SyncFlow — last run sites: Completed — 50 new, 0 changed, 0 failed",
  lastRun: "sites: Completed — 50 new, 0 changed, 0 failed",
  keychainWait: null,
  automaticPaused: false,
  lastNotification: null,
};

const LOG_ORDER: LogLevel[] = ["error", "warn", "info", "debug"];

export const logs: LogLine[] = [
  {
    timestamp: iso(-5),
    level: "info",
    target: "syncflow::run",
    message: "run started entity=inventory_items trigger=manual",
  },
  {
    timestamp: iso(-4),
    level: "debug",
    target: "syncflow::source::apismith",
    message: "GET /api/v1/erp-inventory-items/data page=1 rows=500",
  },
  {
    timestamp: iso(-3),
    level: "warn",
    target: "syncflow::source::apismith",
    message: "429 Too Many Requests, retrying in 2s (attempt 2/5)",
  },
  {
    timestamp: iso(-2),
    level: "error",
    target: "syncflow::sink::schedulehub",
    message: "batch write: 7 records rejected",
  },
  {
    timestamp: iso(-1),
    level: "info",
    target: "syncflow::run",
    message: "checkpoint page=8 watermark=0x00000000000007D3",
  },
];

export function queryLogs(all: LogLine[], level: LogLevel, limit: number): LogLine[] {
  const max = LOG_ORDER.indexOf(level);
  return all.filter((l) => LOG_ORDER.indexOf(l.level) <= max).slice(-limit);
}

export const daily: DailyStat[] = Array.from({ length: 30 }, (_, i) => {
  const day = new Date(BASE - (29 - i) * 86_400_000).toISOString().slice(0, 10);
  const weekend = new Date(day).getUTCDay() % 6 === 0;
  return { day, synced: weekend ? 0 : 900 + ((i * 397) % 700), failed: weekend ? 0 : (i * 7) % 23 };
});

export const dashboard: DashboardSummary = {
  connections: connections.length,
  entities: entities.length,
  failedOpen: failedRecords.filter((r) => r.resolvedAt === null).length,
  pendingChildren: pendingChildren.length,
  lastRuns: runs.slice(0, 5),
  daily,
  nextScheduledRun: iso(20),
  connectionHealth: [
    { name: "erp-prod", kind: "apismith", health: "ok", lastRunAt: iso(-30), lastError: null },
    {
      name: "schedulehub",
      kind: "schedulehub",
      health: "failing",
      lastRunAt: iso(-90),
      lastError: "ScheduleHub is unreachable: connection refused (after 5 attempts)",
    },
  ],
};

/** Throughput samples of a run, for the run summary chart. */
export const runSamples: RunSample[] = Array.from({ length: 12 }, (_, i) => ({
  elapsedMs: (i + 1) * 500,
  rowsDone: (i + 1) * 900,
  rowsPerSec: 1600 + ((i * 211) % 500),
}));

export function runDetail(run: RunSummary): RunDetail {
  return {
    run,
    pages: 12,
    bytes: 1_200_000,
    durationMs: 6000,
    watermarkBefore: "0x00000000000003E8",
    watermarkAfter: "0x00000000000007D3",
    resumedFrom: null,
    heldDeletes: 0,
    report: run.finishedAt
      ? {
          counters: {
            fetched: run.fetched,
            inserted: run.inserted,
            updated: run.updated,
            deleted: run.deleted,
            skipped: run.skipped,
            failed: run.failed,
            pending: run.pending,
            duplicates: run.duplicates,
            pages: 12,
            bytes: 1_200_000,
          },
          durationMs: 6000,
          rowsPerSec: 1800,
          watermarkBefore: "0x00000000000003E8",
          watermarkAfter: "0x00000000000007D3",
          errors: run.failed > 0 ? ["page 7: APISmith answered 503 three times, then the page went through"] : [],
          duplicates: [],
          stageMs: {
            fetch: 0,
            transform: 0,
            load: 0,
            delta: 0,
            inFlight: 0,
            writes: 0,
            checkpoint: 0,
            deletes: 0,
            keyMap: 0,
          },
          deletes: null,
          schemaDrift: null,
          resumed: false,
          keyMap: null,
        }
      : null,
  };
}
