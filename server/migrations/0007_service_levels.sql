-- Service levels and automation: teams and routing, SLA policies and each ticket's clock,
-- automations (event and time rules) and what they did.

-- Teams answer the contexts and languages they cover; new tickets are routed to one.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    name TEXT NOT NULL,
    contexts TEXT NOT NULL DEFAULT '[]',
    locales TEXT NOT NULL DEFAULT '[]',
    assignment TEXT NOT NULL DEFAULT 'round_robin'
        CHECK (assignment IN ('round_robin', 'least_open', 'none')),
    last_assigned TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (app_id, name)
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    username TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (team_id, username)
);

-- An agent who is away is skipped by routing (their tickets stay theirs).
ALTER TABLE staff_users ADD COLUMN available INTEGER NOT NULL DEFAULT 1;

ALTER TABLE tickets ADD COLUMN team_id INTEGER REFERENCES teams(id);
CREATE INDEX tickets_by_team ON tickets (team_id, status);

-- SLA policies, in order: the first whose conditions match a ticket applies to it.
CREATE TABLE sla_policies (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    conditions TEXT NOT NULL DEFAULT '[]',
    first_response INTEGER,  -- business minutes, NULL: no target
    next_response INTEGER,
    resolution INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sla_policies_by_app ON sla_policies (app_id, position);

-- The clock of each ticket under a policy. Due times are UTC instants; the resolution clock
-- stops while the ticket is pending (spent = business minutes used before the pause).
CREATE TABLE ticket_sla (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    policy_id INTEGER REFERENCES sla_policies(id) ON DELETE SET NULL,
    policy_name TEXT NOT NULL,
    targets TEXT NOT NULL,  -- the policy's targets when it was applied
    first_response_due TEXT,
    first_response_at TEXT,
    next_response_due TEXT,
    resolution_due TEXT,
    resolution_spent REAL NOT NULL DEFAULT 0,
    running_since TEXT,  -- NULL while paused or resolved
    resolved_at TEXT,
    next_due TEXT,  -- the earliest unmet due time (the inbox sorts by it)
    next_check TEXT  -- when the worker must look again (a warning or a breach falls due)
);
CREATE INDEX ticket_sla_by_check ON ticket_sla (next_check);
CREATE INDEX ticket_sla_by_due ON ticket_sla (next_due);

-- Warnings and breaches, each recorded once (at the time it fell due) and notified once.
CREATE TABLE sla_events (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    app_id TEXT NOT NULL,
    policy_name TEXT NOT NULL,
    metric TEXT NOT NULL CHECK (metric IN ('first_response', 'next_response', 'resolution')),
    kind TEXT NOT NULL CHECK (kind IN ('warning', 'breach')),
    due_at TEXT NOT NULL,
    at TEXT NOT NULL,  -- when it happened: the due time for a breach, not when it was noticed
    recorded_at TEXT NOT NULL,
    UNIQUE (ticket_id, metric, kind, due_at)
);
CREATE INDEX sla_events_by_app ON sla_events (app_id, kind, at);

-- Automations: rules as data (see services.rules), run in order.
CREATE TABLE automations (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    name TEXT NOT NULL,
    position INTEGER NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'time')),
    rule TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX automations_by_app ON automations (app_id, kind, position);

-- Each rule fires at most once per ticket and event (event id, or the time rule's start).
CREATE TABLE automation_runs (
    automation_id INTEGER NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    event_key TEXT NOT NULL,
    ran_at TEXT NOT NULL,
    PRIMARY KEY (automation_id, ticket_id, event_key)
);

-- What changed a ticket and who (or which rule) did it, for the ticket's history.
CREATE TABLE ticket_activity (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    actor_kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    changes TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX ticket_activity_by_ticket ON ticket_activity (ticket_id, id);
