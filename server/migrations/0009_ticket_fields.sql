-- Custom ticket fields, defined per app; each ticket keeps its values as JSON.
CREATE TABLE ticket_fields (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('text', 'number', 'select', 'checkbox', 'date')),
    options TEXT NOT NULL DEFAULT '[]',
    required INTEGER NOT NULL DEFAULT 0,
    visible_to_requester INTEGER NOT NULL DEFAULT 1,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, key)
);

ALTER TABLE tickets ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
