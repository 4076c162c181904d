-- Merging a duplicate ticket into another: the duplicate is closed and names the ticket it
-- went into (its messages move there).
ALTER TABLE tickets ADD COLUMN merged_into INTEGER REFERENCES tickets(id);

CREATE INDEX tickets_merged_into ON tickets (merged_into) WHERE merged_into IS NOT NULL;
