-- Key packs of key prefixes: a pack now holds the top 8 bytes of each key (big-endian, ascending; two keys may share
-- them) and its record id in 4 bytes (little-endian) when every id of the pack fits, else 8: 12 bytes a key instead
-- of 24, so a million keys are read in half the overflow pages. A key map is never trusted (each record read through
-- it must carry the key it was looked up for), so a prefix that two keys share costs the second one a probe of the
-- key table, never a wrong record; a prefix the map lacks is a key `record_keys` lacks.
-- The packs V12 wrote are of whole keys: they are dropped, and each entity's next fold or key map writes the new
-- ones (the path an entity upgraded from V11 takes).
DELETE FROM record_key_packs;
UPDATE record_index_entities SET packs_to = NULL, packed_keys = NULL;
