-- The email channel: customers hear back by email and answer by email.

-- Outgoing mail is composed with its threading headers when it is queued, so a reply that
-- quotes a mail not sent yet still threads; message_id (without <>) finds the ticket again.
ALTER TABLE mail ADD COLUMN message_id TEXT;
ALTER TABLE mail ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';
CREATE INDEX mail_by_message_id ON mail (message_id);

-- Every message that arrives, by IMAP or the inbound route, kept as it came (raw is NULL
-- only for a message too large to fetch) until processed, and after: the admin's record of
-- what happened to it and why. (mailbox, sha256) makes a second delivery of the same bytes,
-- a provider's retry or a mailbox whose UIDVALIDITY changed, a no-op.
CREATE TABLE inbound_mail (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT REFERENCES apps(id),
    mailbox TEXT NOT NULL,
    uidvalidity INTEGER,
    uid INTEGER,
    sha256 TEXT NOT NULL,
    raw BLOB,
    size INTEGER NOT NULL,
    from_address TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    state TEXT NOT NULL DEFAULT 'received'
        CHECK (state IN ('received', 'appended', 'opened', 'ignored', 'refused', 'bounce')),
    reason TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '[]',
    ticket_id INTEGER REFERENCES tickets(id),
    created_at TEXT NOT NULL,
    processed_at TEXT,
    UNIQUE (mailbox, sha256)
);
CREATE INDEX inbound_mail_by_app ON inbound_mail (app_id, id);
CREATE INDEX inbound_mail_by_message_id ON inbound_mail (message_id);
CREATE INDEX inbound_mail_by_sender ON inbound_mail (app_id, from_address, created_at);

-- Where an IMAP poll stopped: the folder's UIDVALIDITY and the last UID stored, and a lease
-- so that of several workers one polls at a time.
CREATE TABLE mailbox_state (
    mailbox TEXT PRIMARY KEY,
    uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0,
    locked_by TEXT,
    locked_until TEXT,
    polled_at TEXT,
    last_error TEXT
);

-- An app's inbound keys (bearer for POST /api/v1/inbound/email): only the hash is kept.
CREATE TABLE inbound_keys (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id),
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

-- A message that came by email keeps what arrived beside what the conversation shows.
ALTER TABLE ticket_messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
ALTER TABLE ticket_messages ADD COLUMN original TEXT;
ALTER TABLE ticket_messages ADD COLUMN html TEXT;
ALTER TABLE tickets ADD COLUMN original TEXT;
ALTER TABLE tickets ADD COLUMN html TEXT;

CREATE TABLE message_attachments (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    -- NULL: the ticket's opening message (its body lives on the ticket)
    message_id INTEGER REFERENCES ticket_messages(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    declared_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    inline INTEGER NOT NULL DEFAULT 0,
    content_id TEXT,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX message_attachments_by_ticket ON message_attachments (ticket_id, message_id);

-- Addresses a delivery report said cannot receive mail (shown to agents on the ticket).
CREATE TABLE mail_bounces (
    id INTEGER PRIMARY KEY,
    app_id TEXT REFERENCES apps(id),
    address TEXT NOT NULL,
    mail_id INTEGER REFERENCES mail(id),
    diagnostic TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX mail_bounces_by_address ON mail_bounces (app_id, address);

-- Pending tickets get one reminder before they are solved for want of an answer.
ALTER TABLE tickets ADD COLUMN pending_since TEXT;
ALTER TABLE tickets ADD COLUMN reminded_at TEXT;
CREATE INDEX tickets_pending ON tickets (status, pending_since);
