-- Saved views of the agents' inbox: an agent's named inbox query (filters and sort, as the
-- inbox's query string), per staff user and app, shown as tabs after the status views.
CREATE TABLE saved_views (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (user_id, app_id, name)
);
