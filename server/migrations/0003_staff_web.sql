-- The web interface: staff sign-in (users, sessions), scheduled publishing, uploaded images,
-- help events for deflection, and who searched (to fold search-as-you-type into one query).
CREATE TABLE staff_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'agent')),
    app_id TEXT REFERENCES apps(id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    staff_kind TEXT NOT NULL CHECK (staff_kind IN ('user', 'key')),
    staff_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    current_app TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_kind, staff_id);
CREATE INDEX staff_sessions_by_expiry ON staff_sessions (expires_at);

CREATE TABLE article_schedule (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    publish_at TEXT NOT NULL,
    scheduled_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX article_schedule_due ON article_schedule (publish_at);

CREATE TABLE media (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id),
    file_name TEXT NOT NULL,
    original_name TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    uploaded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX media_by_app ON media (app_id, created_at);

CREATE TABLE help_events (
    id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    type TEXT NOT NULL,
    session TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    slug TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX help_events_by_app ON help_events (app_id, created_at);

ALTER TABLE search_log ADD COLUMN actor TEXT NOT NULL DEFAULT '';
CREATE INDEX search_log_by_actor ON search_log (app_id, actor, id);
CREATE INDEX tickets_by_created ON tickets (app_id, created_at);
