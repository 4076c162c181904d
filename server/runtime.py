"""Everything a server process needs, built from the configuration (one per Flask app)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import datadir
from .config import Config
from .ratelimit import Rate, RateLimiter, parse_rate
from .search import WhooshIndex
from .services.articles import ArticleService
from .services.indexing import Indexer
from .services.rendering import Renderer
from .services.search import SearchService
from .services.tickets import TicketService
from .store import Database


@dataclass
class Runtime:
    config: Config
    db: Database
    index: WhooshIndex
    indexer: Indexer
    renderer: Renderer
    articles: ArticleService
    tickets: TicketService
    search: SearchService
    limiter: RateLimiter
    server_secrets: Sequence[str]
    rates: dict[str, Rate]

    @classmethod
    def build(cls, config: Config) -> Runtime:
        where = datadir.paths(config.data_dir)
        server_secrets = datadir.read_server_secrets(config.data_dir)
        db = Database(where["database"])
        index = WhooshIndex(where["index"], cache_size=config["SUPPORT_SEARCH_CACHE_SIZE"])
        renderer = Renderer()
        indexer = Indexer(db, index, where["index_lock"], renderer)
        return cls(
            config=config,
            db=db,
            index=index,
            indexer=indexer,
            renderer=renderer,
            articles=ArticleService(db, renderer, indexer),
            tickets=TicketService(db),
            search=SearchService(db, index),
            limiter=RateLimiter(where["rate_limits"], config["SUPPORT_RATE_LIMITS_ENABLED"]),
            server_secrets=server_secrets,
            rates={
                "search": parse_rate(config["SUPPORT_RATE_SEARCH"]),
                "anon_tickets": parse_rate(config["SUPPORT_RATE_ANON_TICKETS"]),
                "tickets": parse_rate(config["SUPPORT_RATE_TICKETS"]),
            },
        )
