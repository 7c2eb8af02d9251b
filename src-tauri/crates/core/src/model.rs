//! The configuration the planner edits: connections and entities as stored in SQLite.
//! (Filled in with the sync-runs work; the foundation only needs the tables to exist.)
