-- SyncFlow's local state, first version. Later changes come as new migrations; this file is never edited.
-- Timestamps are RFC 3339 UTC text. JSON columns hold JSON text. Hashes are lowercase hex text.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One APISmith or ScheduleHub instance (or a PostgreSQL server). Credentials are NOT here: `credential_key` names the
-- keychain entry, `secret_env` an environment variable for headless servers.
CREATE TABLE connections (
    id                TEXT PRIMARY KEY NOT NULL,
    name              TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL CHECK (kind IN ('apismith', 'schedulehub', 'postgres')),
    base_url          TEXT NOT NULL,
    auth_kind         TEXT NOT NULL DEFAULT 'password' CHECK (auth_kind IN ('password', 'token', 'none')),
    username          TEXT,
    credential_key    TEXT,
    secret_env        TEXT,
    ca_file           TEXT,
    decimal_separator TEXT NOT NULL DEFAULT '.' CHECK (decimal_separator IN ('.', ',')),
    date_order        TEXT NOT NULL DEFAULT 'DMY' CHECK (date_order IN ('DMY', 'MDY')),
    source_timezone   TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

-- One data set synced end to end.
CREATE TABLE entities (
    id                   TEXT PRIMARY KEY NOT NULL,
    name                 TEXT NOT NULL UNIQUE,
    source_connection_id TEXT NOT NULL REFERENCES connections (id),
    slug                 TEXT NOT NULL,
    target_connection_id TEXT NOT NULL REFERENCES connections (id),
    target_name          TEXT NOT NULL,
    business_keys        TEXT NOT NULL,              -- JSON array of field names (after mapping)
    rowversion_field     TEXT,
    strategy             TEXT NOT NULL CHECK (strategy IN ('rowversion', 'hash', 'full')),
    columns              TEXT NOT NULL DEFAULT '[]', -- JSON: APISmith column metadata as discovered
    enabled              INTEGER NOT NULL DEFAULT 1,
    canonical_version    INTEGER NOT NULL DEFAULT 1, -- identity canonical form the record index was built with
    max_delete_ratio     REAL NOT NULL DEFAULT 0.2,
    watermark            TEXT,                       -- highest rowversion loaded by a finished run
    schema_drift         TEXT,                       -- JSON: last drift report, NULL when none
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);

CREATE TABLE field_mappings (
    entity_id      TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    source_field   TEXT NOT NULL,
    target_field   TEXT NOT NULL,
    transformation TEXT NOT NULL DEFAULT 'none',
    default_value  TEXT,                             -- JSON value, NULL when there is no default
    is_required    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (entity_id, position)
) WITHOUT ROWID;

CREATE TABLE parent_refs (
    entity_id        TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    ref_name         TEXT NOT NULL,
    parent_entity_id TEXT NOT NULL REFERENCES entities (id),
    parent_fields    TEXT NOT NULL,                  -- JSON array
    child_fields     TEXT NOT NULL,                  -- JSON array, same length
    PRIMARY KEY (entity_id, ref_name)
) WITHOUT ROWID;

CREATE TABLE runs (
    id               TEXT PRIMARY KEY NOT NULL,      -- UUIDv7
    entity_id        TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'completed_with_errors',
                                                     'failed', 'cancelled', 'needs_review')),
    trigger          TEXT NOT NULL DEFAULT 'manual', -- manual | schedule | cli | retry
    full_refresh     INTEGER NOT NULL DEFAULT 0,
    started_at       TEXT NOT NULL,
    finished_at      TEXT,
    heartbeat_at     TEXT,
    cursor           TEXT,                           -- JSON: where the next page starts
    watermark_before TEXT,
    watermark_after  TEXT,
    fetched          INTEGER NOT NULL DEFAULT 0,
    inserted         INTEGER NOT NULL DEFAULT 0,
    updated          INTEGER NOT NULL DEFAULT 0,
    deleted          INTEGER NOT NULL DEFAULT 0,
    skipped          INTEGER NOT NULL DEFAULT 0,
    failed           INTEGER NOT NULL DEFAULT 0,
    pending          INTEGER NOT NULL DEFAULT 0,
    duplicates       INTEGER NOT NULL DEFAULT 0,
    pages            INTEGER NOT NULL DEFAULT 0,
    bytes            INTEGER NOT NULL DEFAULT 0,
    error_code       TEXT,
    error_message    TEXT,
    summary          TEXT                            -- JSON: duplicates listed, throughput samples, drift, …
);
CREATE INDEX runs_by_entity ON runs (entity_id, started_at DESC);
CREATE INDEX runs_by_status ON runs (status);

-- What SyncFlow has loaded: (entity, business key) -> data hash, rowversion, target uid, state.
CREATE TABLE record_index (
    entity_id      TEXT NOT NULL,
    bk_hash        TEXT NOT NULL,                    -- 32 hex (xxh3-128)
    data_hash      TEXT NOT NULL,                    -- 64 hex (BLAKE3)
    rowversion     TEXT,
    target_uid     TEXT,
    state          TEXT NOT NULL CHECK (state IN ('active', 'deleted')),
    first_seen_run TEXT NOT NULL,
    last_seen_run  TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (entity_id, bk_hash)
) WITHOUT ROWID;

CREATE TABLE failed_records (
    id            TEXT PRIMARY KEY NOT NULL,         -- UUIDv7
    entity_id     TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    run_id        TEXT NOT NULL,
    stage         TEXT NOT NULL CHECK (stage IN ('fetch', 'normalize', 'validate', 'identity', 'resolve', 'load')),
    error_type    TEXT NOT NULL,
    message       TEXT NOT NULL,
    field         TEXT,
    value         TEXT,
    bk_hash       TEXT,
    erp_ref_str   TEXT,
    raw           TEXT NOT NULL,                     -- JSON: the row as APISmith sent it
    normalized    TEXT,                              -- JSON: after layers 1-4, when it got that far
    mapped        TEXT,                              -- JSON: after layer 5, when it got that far
    attempts      INTEGER NOT NULL DEFAULT 1,
    next_retry_at TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    resolved_at   TEXT,
    resolved_by   TEXT
);
CREATE INDEX failed_records_open ON failed_records (entity_id, resolved_at, created_at DESC);
CREATE INDEX failed_records_by_run ON failed_records (run_id);
CREATE INDEX failed_records_by_stage ON failed_records (stage, error_type);

CREATE TABLE pending_children (
    entity_id        TEXT NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    bk_hash          TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    ref_name         TEXT NOT NULL,
    parent_entity_id TEXT NOT NULL,
    parent_bk_hash   TEXT NOT NULL,
    parent_ref_str   TEXT NOT NULL,                  -- e.g. sites|site_id=SITE-Z, for people
    raw              TEXT NOT NULL,                  -- JSON: the row as APISmith sent it
    record           TEXT NOT NULL,                  -- JSON: the record as it would be sent
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_retry_at    TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (entity_id, bk_hash)
) WITHOUT ROWID;
CREATE INDEX pending_children_due ON pending_children (next_retry_at);

CREATE TABLE schedules (
    entity_id        TEXT PRIMARY KEY NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
    mode             TEXT NOT NULL DEFAULT 'off' CHECK (mode IN ('off', 'interval', 'nightly')),
    interval_minutes INTEGER,
    window_start     TEXT NOT NULL DEFAULT '19:00',
    window_end       TEXT NOT NULL DEFAULT '07:00',
    days_to_complete INTEGER,
    row_estimate     INTEGER,
    paused           INTEGER NOT NULL DEFAULT 0,
    last_run_at      TEXT,
    next_run_at      TEXT
) WITHOUT ROWID;
