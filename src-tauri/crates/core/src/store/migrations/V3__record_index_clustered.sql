-- record_index becomes a rowid table with its (entity_id, bk_hash) key in a unique index. Same columns, same types,
-- same upsert target. Why: BK hashes are random, so in a table clustered by bk_hash every row of a page lands on a
-- different leaf page, and recording a 10,000-row page dirtied (and wrote to the WAL, with fsync) most of the table.
-- Clustered by rowid, rows are stored in the order they were first recorded, i.e. the source's page order, so
-- re-recording a page touches a few contiguous pages; the narrow key index changes only for new keys.
CREATE TABLE record_index_v2 (
    entity_id      TEXT NOT NULL,
    bk_hash        TEXT NOT NULL,                    -- 32 hex (xxh3-128)
    data_hash      TEXT NOT NULL,                    -- 64 hex (BLAKE3)
    rowversion     TEXT,
    target_uid     TEXT,
    state          TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
    first_seen_run TEXT NOT NULL,
    last_seen_run  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
INSERT INTO record_index_v2
    (entity_id, bk_hash, data_hash, rowversion, target_uid, state, first_seen_run, last_seen_run, updated_at)
SELECT entity_id, bk_hash, data_hash, rowversion, target_uid, state, first_seen_run, last_seen_run, updated_at
FROM record_index;
DROP TABLE record_index;
ALTER TABLE record_index_v2 RENAME TO record_index;
CREATE UNIQUE INDEX record_index_key ON record_index (entity_id, bk_hash);
