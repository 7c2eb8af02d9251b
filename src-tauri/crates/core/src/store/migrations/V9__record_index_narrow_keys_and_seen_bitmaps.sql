-- The record index gets narrow keys and stops rewriting a record just to say a run saw it.
-- 1. Entities are numbered (`record_index_entities`): each row and each key of the (entity, bk_hash) index holds a
--    small integer instead of the 36-character entity uuid, so the index is about half as wide and its key
--    comparisons start with an integer.
-- 2. The "seen by run" mark leaves the row: `last_seen_run` becomes a bitmap per run over record ids
--    (`record_seen`, 16,384 ids per 2,048-byte chunk; bit `id & 16383` of chunk `id >> 14`, least significant bit
--    first in each byte). A run that reads a record unchanged sets a bit in a chunk of a few rows instead of dirtying
--    the record's leaf, so a page of skipped rows writes a few pages to the WAL instead of thousands.
-- 3. `id INTEGER PRIMARY KEY` names the rowid, so the ids the bitmaps refer to survive a VACUUM.
-- Rows keep their rowid (the table stays clustered by first-recorded order, see V3) and every record's last seen
-- run becomes a set bit in that run's bitmap, so a held delete or a resumable run from before the upgrade still
-- knows what it saw.
CREATE TABLE record_index_entities (
    no        INTEGER PRIMARY KEY,
    entity_id TEXT NOT NULL UNIQUE
);
INSERT INTO record_index_entities (entity_id)
SELECT DISTINCT entity_id FROM record_index ORDER BY entity_id;

CREATE TABLE record_index_v9 (
    id             INTEGER PRIMARY KEY,
    entity_no      INTEGER NOT NULL,                 -- record_index_entities.no
    bk_hash        BLOB NOT NULL,                    -- 16 bytes (xxh3-128, big-endian)
    data_hash      BLOB NOT NULL,                    -- 32 bytes (BLAKE3)
    rowversion     TEXT,
    target_uid     TEXT,
    state          TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
    first_seen_run TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
INSERT INTO record_index_v9
    (id, entity_no, bk_hash, data_hash, rowversion, target_uid, state, first_seen_run, updated_at)
SELECT r.rowid, e.no, r.bk_hash, r.data_hash, r.rowversion, r.target_uid, r.state, r.first_seen_run, r.updated_at
FROM record_index AS r JOIN record_index_entities AS e ON e.entity_id = r.entity_id
ORDER BY r.rowid;

CREATE TABLE record_seen (
    entity_no INTEGER NOT NULL,                      -- record_index_entities.no
    run_id    TEXT NOT NULL,
    chunk     INTEGER NOT NULL,                      -- record id >> 14
    bits      BLOB NOT NULL,                         -- 2,048 bytes
    UNIQUE (entity_no, run_id, chunk)               -- per entity: the nil run of reconciled writes is shared
);
WITH RECURSIVE byte_no (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM byte_no WHERE n < 2047),
bytes AS (
    SELECT e.no AS entity_no, r.last_seen_run AS run_id, r.rowid >> 14 AS chunk, (r.rowid & 16383) >> 3 AS b,
           SUM(1 << (r.rowid & 7)) AS v
    FROM record_index AS r JOIN record_index_entities AS e ON e.entity_id = r.entity_id
    GROUP BY 1, 2, 3, 4
),
chunks AS (SELECT DISTINCT entity_no, run_id, chunk FROM bytes)
INSERT INTO record_seen (entity_no, run_id, chunk, bits)
SELECT c.entity_no, c.run_id, c.chunk, unhex(group_concat(printf('%02X', COALESCE(x.v, 0)), '' ORDER BY n.n))
FROM chunks AS c CROSS JOIN byte_no AS n
LEFT JOIN bytes AS x ON x.entity_no = c.entity_no AND x.run_id = c.run_id AND x.chunk = c.chunk AND x.b = n.n
GROUP BY c.entity_no, c.run_id, c.chunk;

DROP TABLE record_index;
ALTER TABLE record_index_v9 RENAME TO record_index;
CREATE UNIQUE INDEX record_index_key ON record_index (entity_no, bk_hash);
