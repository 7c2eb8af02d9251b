-- Narrow record rows: the text columns a record wrote on every insert become their bytes or numbers.
-- 1. `target_uid`: a uid in the canonical uuid form (36 characters, lowercase hex and dashes: what ScheduleHub and
--    the PostgreSQL sink's `_bridge_id` give) is stored as its 16 bytes; any other uid stays the text it was (the
--    column holds either: declared BLOB, it has no affinity, so a text uid of digits is not made a number; the
--    record index turns the bytes back into the same text when it reads them).
-- 2. `first_seen_run`: the run's uuid as its 16 bytes (likewise: text only if it was not a canonical uuid).
-- 3. `state` ('active' / 'deleted') becomes `active` (1 / 0).
-- 4. `updated_at` (RFC 3339 text, milliseconds) becomes integer Unix milliseconds.
-- Why: a record row was about 179 bytes, of which about 100 were these texts; every new record's insert copied
-- them into the table's last leaf, and every one was written to the WAL and checkpointed into the file (the 1M full
-- sync writes about a million of them). Records keep their ids (the seen bitmaps and `record_keys` refer to them)
-- and their order (the table stays clustered by first-recorded order, see V3).
CREATE TABLE record_index_v11 (
    id             INTEGER PRIMARY KEY,
    entity_no      INTEGER NOT NULL,                 -- record_index_entities.no
    bk_hash        BLOB NOT NULL,                    -- 16 bytes (xxh3-128, big-endian)
    data_hash      BLOB NOT NULL,                    -- 32 bytes (BLAKE3)
    rowversion     TEXT,
    target_uid     BLOB,                             -- 16 bytes (a canonical uuid) or text (any other uid)
    active         INTEGER NOT NULL CHECK (active IN (0, 1)),
    first_seen_run BLOB NOT NULL,                    -- 16 bytes (the run's uuid) or text
    updated_at     INTEGER NOT NULL                  -- Unix milliseconds
);
INSERT INTO record_index_v11
    (id, entity_no, bk_hash, data_hash, rowversion, target_uid, active, first_seen_run, updated_at)
SELECT id, entity_no, bk_hash, data_hash, rowversion,
       CASE WHEN target_uid GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
            THEN unhex(replace(target_uid, '-', '')) ELSE target_uid END,
       state = 'active',
       CASE WHEN first_seen_run GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
            THEN unhex(replace(first_seen_run, '-', '')) ELSE first_seen_run END,
       CAST(round(unixepoch(updated_at, 'subsec') * 1000) AS INTEGER)
FROM record_index
ORDER BY id;
DROP TABLE record_index;
ALTER TABLE record_index_v11 RENAME TO record_index;
CREATE INDEX record_index_entity ON record_index (entity_no, id);
