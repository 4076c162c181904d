-- Files a customer or an agent uploaded (POST /api/v1/uploads) and has not yet attached to a
-- ticket or a message. Attaching moves the bytes into message_attachments and removes the
-- row; the worker removes uploads nobody attached after a day.
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    -- who may attach it: Principal.key of the uploader ("user:42", "visitor:vis_…",
    -- "visitor:anonymous" for someone without a token, "staff:<key or username>")
    owner TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    declared_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX uploads_by_age ON uploads (created_at);
