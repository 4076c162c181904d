-- After the ticket: the transactional outbox (events), the job queue the worker drains,
-- webhook endpoints with their deliveries and attempts, outgoing mail, and staff addresses
-- and notification choices.

-- One row per change others may care about, written in the change's own transaction.
CREATE TABLE outbox_events (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_events_by_app ON outbox_events (app_id, id);

-- Background work: fan an event out, deliver a webhook, send a mail. A job is claimed by one
-- worker for a lease; a worker that dies lets its lease run out and another takes the job.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    ref INTEGER NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done')),
    run_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs (state, run_at);

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TEXT,
    failing_since TEXT,
    disabled_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX webhook_endpoints_by_app ON webhook_endpoints (app_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id),
    event_id INTEGER NOT NULL REFERENCES outbox_events(id),
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'delivered', 'failing', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
    attempted_at TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    response_excerpt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts (delivery_id, id);

CREATE TABLE mail (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT REFERENCES apps(id),
    kind TEXT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    ticket_id INTEGER REFERENCES tickets(id),
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX mail_by_app ON mail (app_id, id);
CREATE INDEX mail_by_ticket ON mail (ticket_id);

ALTER TABLE staff_users ADD COLUMN email TEXT;
-- the notification kinds a user turned off, as a JSON list (all on by default)
ALTER TABLE staff_users ADD COLUMN muted TEXT NOT NULL DEFAULT '[]';

-- when the requester last read their conversation (for unread markers and the launcher badge)
ALTER TABLE tickets ADD COLUMN requester_read_at TEXT;
