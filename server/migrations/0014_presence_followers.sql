-- Presence on the agents' ticket page: one row per ticket and staff member who has it open,
-- viewing it or typing a reply or a note, refreshed by the page's heartbeat. A row whose
-- heartbeat is older than 30 s counts as gone, and a later heartbeat deletes it. In the
-- database, not in a process, so agents served by different processes or nodes see each other.
CREATE TABLE ticket_presence (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    staff TEXT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('viewing', 'typing')),
    composing TEXT CHECK (composing IN ('reply', 'note')),
    seen_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, staff)
);

CREATE INDEX ticket_presence_by_seen ON ticket_presence (seen_at);

-- Followers: agents told about a ticket as its assignee is, who chose to follow it, were
-- added, or replied, were assigned or @mentioned in a note (reason says which).
CREATE TABLE ticket_followers (
    ticket_id INTEGER NOT NULL REFERENCES tickets(id),
    username TEXT NOT NULL COLLATE NOCASE,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, username)
);
