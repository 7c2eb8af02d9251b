-- Packed keys: an entity's folded keys and record ids, in key order, as a few large blobs, so that a run can hold
-- its key map without reading the key table row by row (a million keys: about 10 ms from the packs, 130-210 ms
-- from `record_keys`). `record_keys` stays the table of record: its primary key refuses a second record for a key,
-- and its descents serve a lookup when the packs are stale.
-- 1. `record_key_packs (entity_no, pack, keys, ids)`: pack 0, 1, ... holds the next `PACK_KEYS` keys (16 bytes each,
--    big-endian, ascending) and their record ids (8 bytes each, little-endian), in the rowid table (rows of about
--    96 KB, on overflow pages read sequentially).
-- 2. `record_index_entities.packs_to`: the watermark the packs hold the keys up to (NULL: no packs), and
--    `packed_keys` the number of keys they hold. The packs are the whole of `record_keys` while `packs_to` is the
--    entity's `keys_to`: a fold rewrites them in its own transaction. Existing entities have none until their next
--    fold or key map (which writes them).
CREATE TABLE record_key_packs (
    entity_no INTEGER NOT NULL,                      -- record_index_entities.no
    pack      INTEGER NOT NULL,                      -- 0, 1, ... in key order
    keys      BLOB NOT NULL,
    ids       BLOB NOT NULL,
    UNIQUE (entity_no, pack)
);
ALTER TABLE record_index_entities ADD COLUMN packs_to INTEGER;
ALTER TABLE record_index_entities ADD COLUMN packed_keys INTEGER;
