-- Contacts: one per app and person. A signed-in user is keyed by the user id of their token
-- (kind 'user'); everyone else who gave an email (visitors, mail senders, customers a staff
-- key filed for) by that email, lowercased (kind 'email'). A user whose token's email matches
-- an email contact of the same app is the same person: the email contact is merged into
-- theirs. ``traits`` are the latest token's, signed by the app's backend.
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    public_id TEXT NOT NULL UNIQUE,
    app_id TEXT NOT NULL REFERENCES apps(id),
    kind TEXT NOT NULL CHECK (kind IN ('user', 'email')),
    key TEXT NOT NULL,
    name TEXT,
    email TEXT,
    traits TEXT NOT NULL DEFAULT '{}',
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    UNIQUE (app_id, kind, key)
);
CREATE INDEX contacts_by_email ON contacts (app_id, email);

-- Whose each ticket is (a ticket belongs to one contact at most; anonymous ones to none).
CREATE TABLE contact_tickets (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
);
CREATE INDEX contact_tickets_by_contact ON contact_tickets (contact_id, ticket_id);

-- Backfill from the tickets filed so far. Users: the latest ticket's name, email and traits.
INSERT INTO contacts (public_id, app_id, kind, key, name, email, traits, first_seen, last_seen)
SELECT 'con_' || lower(hex(randomblob(8))), t.app_id, 'user', t.requester_id,
       t.requester_name, NULLIF(lower(trim(t.requester_email)), ''), t.traits,
       (SELECT min(f.created_at) FROM tickets f
         WHERE f.app_id = t.app_id AND f.requester_kind = 'user'
           AND f.requester_id = t.requester_id),
       t.created_at
FROM tickets t
WHERE t.requester_kind = 'user'
  AND t.id = (SELECT max(l.id) FROM tickets l
               WHERE l.app_id = t.app_id AND l.requester_kind = 'user'
                 AND l.requester_id = t.requester_id);

-- Everyone else with an email, unless a user of the app has that email (then it is theirs).
INSERT INTO contacts (public_id, app_id, kind, key, name, email, traits, first_seen, last_seen)
SELECT 'con_' || lower(hex(randomblob(8))), t.app_id, 'email', lower(trim(t.requester_email)),
       (SELECT n.requester_name FROM tickets n
         WHERE n.app_id = t.app_id AND n.requester_kind IN ('visitor', 'staff')
           AND lower(trim(n.requester_email)) = lower(trim(t.requester_email))
           AND n.requester_name IS NOT NULL AND n.requester_name != ''
         ORDER BY n.id DESC LIMIT 1),
       lower(trim(t.requester_email)), '{}',
       (SELECT min(f.created_at) FROM tickets f
         WHERE f.app_id = t.app_id AND f.requester_kind IN ('visitor', 'staff')
           AND lower(trim(f.requester_email)) = lower(trim(t.requester_email))),
       t.created_at
FROM tickets t
WHERE t.requester_kind IN ('visitor', 'staff')
  AND NULLIF(trim(t.requester_email), '') IS NOT NULL
  AND t.id = (SELECT max(l.id) FROM tickets l
               WHERE l.app_id = t.app_id AND l.requester_kind IN ('visitor', 'staff')
                 AND lower(trim(l.requester_email)) = lower(trim(t.requester_email)))
  AND NOT EXISTS (SELECT 1 FROM contacts c
                   WHERE c.app_id = t.app_id AND c.kind = 'user'
                     AND c.email = lower(trim(t.requester_email)));

INSERT INTO contact_tickets (ticket_id, contact_id)
SELECT t.id, c.id
FROM tickets t
JOIN contacts c ON c.app_id = t.app_id AND c.kind = 'user' AND c.key = t.requester_id
WHERE t.requester_kind = 'user';

INSERT INTO contact_tickets (ticket_id, contact_id)
SELECT ticket_id, contact_id FROM (
    SELECT t.id AS ticket_id,
           (SELECT c.id FROM contacts c
             WHERE c.app_id = t.app_id AND c.email = lower(trim(t.requester_email))
             ORDER BY c.kind = 'user' DESC, c.last_seen DESC, c.id DESC LIMIT 1) AS contact_id
    FROM tickets t
    WHERE t.requester_kind IN ('visitor', 'staff')
      AND NULLIF(trim(t.requester_email), '') IS NOT NULL
)
WHERE contact_id IS NOT NULL;

-- A user who also wrote by email was first seen when they first wrote, either way.
UPDATE contacts
SET first_seen = (SELECT min(t.created_at) FROM contact_tickets l
                   JOIN tickets t ON t.id = l.ticket_id WHERE l.contact_id = contacts.id),
    name = COALESCE(name, (SELECT t.requester_name FROM contact_tickets l
                            JOIN tickets t ON t.id = l.ticket_id
                           WHERE l.contact_id = contacts.id
                             AND t.requester_name IS NOT NULL AND t.requester_name != ''
                           ORDER BY t.id DESC LIMIT 1))
WHERE kind = 'user'
  AND EXISTS (SELECT 1 FROM contact_tickets l WHERE l.contact_id = contacts.id);
