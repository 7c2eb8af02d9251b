-- The record index's unique key becomes (bk_hash, entity_id), with entity_id alone in a second index.
-- Why: with entity_id (a 36-character UUID text) first, every comparison of a key descent (about 20 per probe) first
-- compared 36 equal characters, then the hash; that was the biggest share of a page's lookup and upsert cost. A
-- random 16-byte hash first decides almost every comparison at its first byte. Same rows, same uniqueness.
-- The entity index serves the per-entity scans (counts, the removal of an entity, the transfer of seen marks); it
-- changes only when a record is first inserted, at the end of its entity's range (rowids grow), so upserts of known
-- records never touch it.
DROP INDEX record_index_key;
CREATE UNIQUE INDEX record_index_key ON record_index (bk_hash, entity_id);
CREATE INDEX record_index_entity ON record_index (entity_id);
