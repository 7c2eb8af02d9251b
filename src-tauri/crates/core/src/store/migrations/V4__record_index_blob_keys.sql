-- record_index stores its hashes as bytes: bk_hash as the 16 big-endian bytes of the xxh3-128 value, data_hash as the
-- 32 bytes of the BLAKE3 digest. Same columns, same meaning, same order (big-endian bytes sort like the hex text).
-- Why: hex text doubled both hashes, so every row and every key of the (entity_id, bk_hash) index was ~80 bytes
-- larger; fewer bytes per row means fewer pages written (and fsynced through the WAL) per recorded page of rows.
-- Rows are copied in rowid order, so the table stays clustered by first-recorded order (see V3).
CREATE TABLE record_index_v4 (
    entity_id      TEXT NOT NULL,
    bk_hash        BLOB NOT NULL,                    -- 16 bytes (xxh3-128, big-endian)
    data_hash      BLOB NOT NULL,                    -- 32 bytes (BLAKE3)
    rowversion     TEXT,
    target_uid     TEXT,
    state          TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
    first_seen_run TEXT NOT NULL,
    last_seen_run  TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
INSERT INTO record_index_v4
    (entity_id, bk_hash, data_hash, rowversion, target_uid, state, first_seen_run, last_seen_run, updated_at)
SELECT entity_id, unhex(bk_hash), unhex(data_hash), rowversion, target_uid, state, first_seen_run, last_seen_run,
       updated_at
FROM record_index
ORDER BY rowid;
DROP TABLE record_index;
ALTER TABLE record_index_v4 RENAME TO record_index;
CREATE UNIQUE INDEX record_index_key ON record_index (entity_id, bk_hash);
