"""The rules of the product: articles, tickets, apps and keys, search and indexing.

Nothing here imports Flask; the HTTP layer calls these functions and renders what they return.
"""
