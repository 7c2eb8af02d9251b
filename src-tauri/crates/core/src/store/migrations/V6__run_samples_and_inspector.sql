-- The run summary's throughput chart, the run history's filters, and the failed-record inspector at scale.

-- Rows/s over a run: one sample per page checkpoint (at most every 250 ms), written in the page's checkpoint
-- transaction, so a sample never counts rows that did not land.
CREATE TABLE run_samples (
    run_id       TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    elapsed_ms   INTEGER NOT NULL,                 -- since the run started
    rows_done    INTEGER NOT NULL,                 -- rows fetched so far
    rows_per_sec REAL NOT NULL,                    -- since the previous sample
    PRIMARY KEY (run_id, elapsed_ms)
) WITHOUT ROWID;

-- The history filtered by date or trigger alone, newest first.
CREATE INDEX runs_by_started ON runs (started_at DESC);

-- The failed-record inspector with 100,000 records: the default view (open records, newest first) and its count
-- read this narrow index instead of scanning and sorting the table.
CREATE INDEX failed_records_open_recent ON failed_records (created_at DESC, id DESC) WHERE resolved_at IS NULL;
-- Recording a page's failures looks up each row's open record by key (one failure per broken row): without this,
-- every lookup scanned all of the entity's open records.
CREATE INDEX failed_records_open_by_key ON failed_records (entity_id, bk_hash) WHERE resolved_at IS NULL;
