-- Insights: an article linked to a group of repeated issues (to track the group's ticket rate
-- before and after), and the spikes already notified (so each is told once).
CREATE TABLE insight_links (
    app_id TEXT NOT NULL REFERENCES apps(id),
    group_id TEXT NOT NULL,
    terms TEXT NOT NULL,
    slug TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    PRIMARY KEY (app_id, group_id)
);

CREATE TABLE spike_notices (
    app_id TEXT NOT NULL REFERENCES apps(id),
    key TEXT NOT NULL,
    notified_at TEXT NOT NULL,
    PRIMARY KEY (app_id, key)
);
