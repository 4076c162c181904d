-- Listing, popular and category queries filter by app, status and locale.
CREATE INDEX articles_by_app_status ON articles (app_id, status, locale, id);
