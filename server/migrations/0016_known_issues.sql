-- Known issues: a problem agents know about, with a message shown to users (the widget's
-- banner) where it happens: its contexts and app versions, or everywhere when an admin marked
-- it global. Tickets from there are linked to it; resolving one tells each linked requester
-- once: notified_at is set in the transaction that tells them, and only where it was NULL.
CREATE TABLE known_issues (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    contexts TEXT NOT NULL DEFAULT '[]',
    app_versions TEXT NOT NULL DEFAULT '[]',
    is_global INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolution TEXT NOT NULL DEFAULT '',
    created_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    resolved_at TEXT
);

CREATE INDEX known_issues_by_app ON known_issues (app_id, status);

CREATE TABLE known_issue_tickets (
    known_issue_id INTEGER NOT NULL REFERENCES known_issues(id),
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    linked_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    notified_at TEXT,
    PRIMARY KEY (known_issue_id, ticket_id)
);

CREATE INDEX known_issue_tickets_by_ticket ON known_issue_tickets (ticket_id);
