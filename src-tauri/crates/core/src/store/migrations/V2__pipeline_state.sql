-- The pipeline's own state beyond V1: who owns a running run (crash detection), the run a resumed run continues,
-- deletes held by the safety valve, each entity's page size, and writes whose outcome may be unknown.

-- The process that runs a `running` run: a run whose owner is gone was interrupted (crash, kill) and is resumed.
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
-- A run started after a failed or cancelled one continues that run's cursor; this names it.
ALTER TABLE runs ADD COLUMN resumed_from TEXT;
-- Deletes the safety valve held (status needs_review) until the planner confirms or discards them.
ALTER TABLE runs ADD COLUMN held_deletes INTEGER NOT NULL DEFAULT 0;

-- Set by `cancel` from another process (the CLI); the run checks it between pages.
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;

ALTER TABLE entities ADD COLUMN page_size INTEGER NOT NULL DEFAULT 5000;

-- Writes recorded BEFORE they are sent, one row per batch (a JSON list of {bk_hash, op, data_hash, rowversion,
-- target_uid}), and deleted in the checkpoint that records their answer. A batch left here after a crash or a
-- timeout has an unknown outcome: it is reconciled with ScheduleHub's batch/query by BK before anything is sent
-- again, so ScheduleHub never gets the same record twice.
CREATE TABLE writes_in_flight (
    entity_id  TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    batch_id   TEXT NOT NULL,
    run_id     TEXT NOT NULL,
    writes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (entity_id, batch_id)
) WITHOUT ROWID;
