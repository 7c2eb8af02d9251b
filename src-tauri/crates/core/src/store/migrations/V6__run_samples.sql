-- The run summary's throughput chart and the run history's filters.

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
