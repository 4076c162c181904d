-- Deleting a custom field archives it: tickets keep their values, which agents still see
-- (marked archived), while forms, filters, rules and new values no longer use the field.
ALTER TABLE ticket_fields ADD COLUMN archived_at TEXT;
