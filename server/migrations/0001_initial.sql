-- Apps, staff keys, articles (with revisions and the search outbox), tickets, idempotency.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secrets TEXT NOT NULL,
    origins TEXT NOT NULL DEFAULT '[]',
    settings TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id),
    role TEXT NOT NULL CHECK (role IN ('admin', 'writer', 'agent')),
    name TEXT NOT NULL DEFAULT '',
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    slug TEXT NOT NULL,
    locale TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    contexts TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    revision INTEGER NOT NULL DEFAULT 1,
    author TEXT NOT NULL DEFAULT '',
    views INTEGER NOT NULL DEFAULT 0,
    helpful_yes INTEGER NOT NULL DEFAULT 0,
    helpful_no INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT,
    UNIQUE (app_id, slug, locale)
);

CREATE TABLE article_contexts (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    context TEXT NOT NULL,
    PRIMARY KEY (article_id, context)
);
CREATE INDEX article_contexts_lookup ON article_contexts (app_id, context);

CREATE TABLE article_revisions (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    contexts TEXT NOT NULL,
    status TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (article_id, revision)
);

CREATE TABLE article_feedback (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    requester TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

-- Outbox: an article change and its "index this" row commit together; the indexer drains it.
CREATE TABLE search_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    requester_kind TEXT NOT NULL CHECK (requester_kind IN ('user', 'visitor', 'staff')),
    requester_id TEXT NOT NULL,
    requester_email TEXT,
    requester_name TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    source TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '{}',
    assignee TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    solved_at TEXT
);
CREATE INDEX tickets_by_requester ON tickets (app_id, requester_kind, requester_id, id);
CREATE INDEX tickets_by_status ON tickets (app_id, status, id);

CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('requester', 'agent')),
    author_id TEXT NOT NULL,
    author_name TEXT,
    body TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket_id, id);

CREATE TABLE ticket_ratings (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
    app_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
    status_code INTEGER,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (app_id, principal, key)
);

CREATE TABLE search_log (
    id INTEGER PRIMARY KEY,
    app_id TEXT NOT NULL,
    query TEXT NOT NULL,
    locale TEXT NOT NULL,
    results INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX search_log_by_app ON search_log (app_id, created_at);
