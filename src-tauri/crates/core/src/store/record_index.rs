//! The record index: (entity, business key) -> data hash, rowversion, target uid, state. (being built)
