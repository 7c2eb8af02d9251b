-- New keys cluster: the key -> record map leaves `record_index` for its own table, and the records a run adds are
-- appended without touching it until the run ends.
-- 1. `record_keys (entity_no, bk_hash, id)`, a WITHOUT ROWID table keyed by (entity_no, bk_hash), holds the keys of
--    an entity's records up to its watermark `record_index_entities.keys_to` (the highest id folded). Records with a
--    higher id are the entity's unfolded tail: a page's new records are appended to `record_index` only (ids only
--    grow, so their leaves are the table's last ones) and readers find their keys in the tail (an id range). At the
--    end of a run the tail is folded into `record_keys` in key order, in one transaction with the watermark. The
--    random BK hash no longer puts every new record on a random leaf of a 25 MB index at the page's commit.
-- 2. `record_index_entity (entity_no, id)` replaces the unique `(entity_no, bk_hash)` index for the scans by entity
--    (its tail, its active records); ids only grow, so new records append to the end of their entity's range.
-- Every existing record is folded: the keys are copied in key order and the watermark is each entity's highest id.
CREATE TABLE record_keys (
    entity_no INTEGER NOT NULL,                      -- record_index_entities.no
    bk_hash   BLOB NOT NULL,                         -- 16 bytes, as in record_index
    id        INTEGER NOT NULL,                      -- record_index.id
    PRIMARY KEY (entity_no, bk_hash)
) WITHOUT ROWID;
INSERT INTO record_keys (entity_no, bk_hash, id)
SELECT entity_no, bk_hash, id FROM record_index ORDER BY entity_no, bk_hash;

CREATE INDEX record_index_entity ON record_index (entity_no, id);
ALTER TABLE record_index_entities ADD COLUMN keys_to INTEGER NOT NULL DEFAULT 0;
UPDATE record_index_entities
SET keys_to = COALESCE((SELECT MAX(r.id) FROM record_index AS r WHERE r.entity_no = record_index_entities.no), 0);

DROP INDEX record_index_key;
