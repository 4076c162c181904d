"""A static HTML page with the one-tag embed, for anonymous visitors."""
