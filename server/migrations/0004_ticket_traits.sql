-- The traits of the requester's token when the ticket was filed (signed by the app's backend,
-- as opposed to the context the browser sent); a JSON object, empty for visitors and staff.
ALTER TABLE tickets ADD COLUMN traits TEXT NOT NULL DEFAULT '{}';
