// An in-memory stand-in for the Rust commands, behind Tauri's own IPC mock. Each command can be overridden.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { Channel } from "@tauri-apps/api/core";
import type {
  ApiError,
  EntityDef,
  FailedRecordFilter,
  Language,
  LogLevel,
  RetryProgress,
  RetryReport,
  RunFilter,
  Settings,
  Theme,
} from "@/bindings";
import * as cfx from "./configFixtures";
import * as fx from "./fixtures";

type Args = Record<string, unknown>;
export type CommandHandler = (args: Args) => unknown;
export type CommandHandlers = Record<string, CommandHandler>;

/** Rejects the way a Rust command returning `Err(ApiError)` does. */
export function fail(code: ApiError["code"], message: string): never {
  throw { code, message } satisfies ApiError;
}

export function defaultHandlers(): CommandHandlers {
  let settings: Settings = { ...fx.settings };
  return {
    settings_get: () => settings,
    settings_set_language: (a) => (settings = { ...settings, language: a.language as Language }),
    settings_set_theme: (a) => (settings = { ...settings, theme: a.theme as Theme }),
    settings_set_start_at_login: (a) => (settings = { ...settings, startAtLogin: a.enabled as boolean }),
    tray_state: () => fx.trayStatus,
    tray_set_paused: (a) => ({ ...fx.trayStatus, automaticPaused: a.paused as boolean }),
    app_info: () => fx.appInfo,
    connections_list: () => fx.connections,
    entities_list: () => fx.entities,
    connections_get: (a) => cfx.connectionDetail(a.name as string),
    connections_save: () => null,
    connections_delete: () => null,
    connections_test: () => ({ reachable: true, authenticated: true, latencyMs: 42, message: null }),
    connections_time_zones: () => ["Asia/Tehran", "Europe/Istanbul", "UTC"],
    entities_get: (a) => cfx.entityDetail(a.entity as string),
    entities_discover: (a) => cfx.discovered(a.source as string, a.target as string),
    entities_create: (a) => (a.defs as { name: string }[]).map((d) => d.name),
    entities_save: () => ({ id: fx.entities[1]?.id ?? "", hashesChanged: false }),
    entities_delete: (a) =>
      a.entity === "sites"
        ? fail(
            "conflict",
            "entity 'sites' is the parent of inventory_items: remove their parent references to it first",
          )
        : { connections: 0, entities: 1, runs: 2, failedRecords: 3 },
    mappings_transformations: () => cfx.transformations,
    mappings_preview: (a) => cfx.preview(a.def as EntityDef),
    runs_list: (a) => fx.queryRuns(fx.runs, a.filter as RunFilter),
    runs_detail: (a) => {
      const run = fx.runs.find((r) => r.id === a.runId);
      if (!run) return fail("not_found", `no run with id ${String(a.runId)}`);
      return fx.runDetail(run);
    },
    runs_samples: () => fx.runSamples,
    runs_cancel: () => true,
    failed_records_retry: (a) => {
      const ids = a.ids as string[];
      const chosen =
        ids.length > 0
          ? fx.failedRecords.filter((r) => ids.includes(r.id))
          : fx.queryFailedRecords(fx.failedRecords, { ...(a.filter as FailedRecordFilter), offset: 0, limit: 1e9 })
              .items;
      const progress = a.onProgress as Channel<RetryProgress> | undefined;
      progress?.onmessage({ done: 0, total: chosen.length });
      progress?.onmessage({ done: chosen.length, total: chosen.length });
      // Even ones go through, odd ones fail again: both outcomes show.
      const outcomes = chosen.map((r, i) => ({
        id: r.id,
        erpRefStr: r.erpRefStr,
        resolvedAt: i % 2 === 0 ? new Date().toISOString() : null,
        resolvedBy: i % 2 === 0 ? "retry run r-mock" : null,
        attempts: r.attempts + 1,
        message: r.message,
      }));
      const resolved = outcomes.filter((o) => o.resolvedAt !== null).length;
      return {
        asked: chosen.length,
        resolved,
        failedAgain: chosen.length - resolved,
        parked: 0,
        outcomes,
      } satisfies RetryReport;
    },
    failed_records_export: (a) =>
      fx.queryFailedRecords(fx.failedRecords, { ...(a.filter as FailedRecordFilter), offset: 0, limit: 1e9 }).total,
    "plugin:dialog|save": () => "/home/planner/failed-records.csv",
    pending_children_retry: (a) =>
      a.entityId
        ? { loaded: 0, stillPending: 1, failed: 0, skippedRunning: [], one: "still_pending" }
        : { loaded: 1, stillPending: fx.pendingChildren.length - 1, failed: 0, skippedRunning: [], one: null },
    demo_remove: () => {
      settings = { ...settings, demoMode: false };
      return { connections: 2, entities: 3, runs: 4, failedRecords: 57 };
    },
    failed_records_list: (a) => fx.queryFailedRecords(fx.failedRecords, a.filter as FailedRecordFilter),
    failed_records_detail: (a) => {
      const r = fx.failedRecords.find((f) => f.id === a.id);
      if (!r) return fail("not_found", `failed record ${String(a.id)} does not exist`);
      return {
        ...r,
        bkHash: null,
        raw: JSON.stringify({ [r.field ?? "ITEM_ID"]: r.value }),
        normalized: null,
        mapped: null,
        nextRetryAt: null,
        updatedAt: r.createdAt,
        resolvedBy: null,
      };
    },
    pending_children_list: () => fx.pendingChildren,
    schedules_list: () => fx.schedules,
    logs_recent: (a) => fx.queryLogs(fx.logs, a.level as LogLevel, a.limit as number),
    dashboard_summary: () => fx.dashboard,
  };
}

export interface MockBackend {
  /** Every call in order, for assertions. */
  calls: { cmd: string; args: Args }[];
}

export function installMockBackend(overrides: CommandHandlers = {}): MockBackend {
  const handlers = { ...defaultHandlers(), ...overrides };
  const backend: MockBackend = { calls: [] };
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Args;
      backend.calls.push({ cmd, args });
      const handler = handlers[cmd];
      // Tauri rejects unknown commands with a plain string.
      if (!handler) throw `command ${cmd} not found`;
      return handler(args);
    },
    { shouldMockEvents: true },
  );
  return backend;
}
