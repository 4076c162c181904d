"""Everything a server process needs, built from the configuration (one per Flask app)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import datadir
from .config import Config, ConfigError
from .ratelimit import Rate, RateLimiter, parse_rate
from .search import WhooshIndex, semantic
from .services.analytics import Analytics
from .services.articles import ArticleService
from .services.automations import AutomationService
from .services.contacts import ContactService
from .services.customer_mail import CustomerMail
from .services.events import EventLog
from .services.follow_up import FollowUp
from .services.followers import Followers
from .services.help_center import HelpCenterService
from .services.inbound import Inbound
from .services.inbox import Inbox
from .services.indexing import Indexer
from .services.insights import RepeatedIssues
from .services.jobs import JobRunner
from .services.known_issues import KnownIssueService
from .services.lifecycle import Lifecycle
from .services.macros import MacroService
from .services.mail import Mailer
from .services.mail_links import MailLinks
from .services.media import MediaService
from .services.notifications import Notifier
from .services.presence import Presence
from .services.rendering import Renderer
from .services.saved_views import SavedViews
from .services.schedule import ScheduleService
from .services.search import SearchService
from .services.sla import SlaService
from .services.spikes import Spikes
from .services.staff import StaffService
from .services.staff_sessions import StaffSessions
from .services.teams import TeamService
from .services.ticket_merge import TicketMerge
from .services.tickets import TicketService
from .services.uploads import Uploads
from .services.webhooks import WebhookService
from .services.writing import WritingDesk
from .storage import StorageMonitor
from .store import Database, RelaxedDatabase

MEDIA = "media"


@dataclass
class Runtime:
    config: Config
    db: Database
    index: WhooshIndex | semantic.SemanticIndex
    indexer: Indexer
    renderer: Renderer
    articles: ArticleService
    tickets: TicketService
    search: SearchService
    limiter: RateLimiter
    server_secrets: Sequence[str]
    rates: dict[str, Rate]
    # the web interface: help center, admin sign-in, editor, inbox, analytics
    staff: StaffService
    sessions: StaffSessions
    events: EventLog
    schedule: ScheduleService
    media: MediaService
    help_center: HelpCenterService
    writing: WritingDesk
    inbox: Inbox
    analytics: Analytics
    storage: StorageMonitor
    # after the ticket: webhooks, mail and staff notifications, run by the worker
    webhooks: WebhookService
    mailer: Mailer
    notifier: Notifier
    # the email channel: customers hear back and answer by mail
    links: MailLinks
    customer_mail: CustomerMail
    inbound: Inbound
    follow_up: FollowUp
    # service levels and automation: teams, SLA clocks, rules
    sla: SlaService
    teams: TeamService
    automations: AutomationService
    lifecycle: Lifecycle
    macros: MacroService
    contacts: ContactService  # one per app and person, with their tickets
    merge: TicketMerge  # merging duplicates, bulk changes
    saved_views: SavedViews  # agents' named inbox queries
    followers: Followers  # agents told about a ticket besides its assignee
    presence: Presence  # who has a ticket open in the admin, and who is writing
    uploads: Uploads  # files waiting to be attached; signed file links
    known_issues: KnownIssueService  # problems told to users where they happen
    repeated: RepeatedIssues  # tickets and failed searches grouped by what they are about
    spikes: Spikes  # contexts and versions far above their usual ticket rate

    def job_runner(self, name: str | None = None, lease: float | None = None) -> JobRunner:
        """A runner for the worker (one per worker thread or process)."""
        return JobRunner(
            self.db,
            webhooks=self.webhooks,
            notifier=self.notifier,
            mailer=self.mailer,
            customer_mail=self.customer_mail,
            inbound=self.inbound,
            name=name,
            lease=lease or self.config["SUPPORT_JOB_LEASE"],
        )

    def close(self) -> None:
        """Release this thread's database connection and the search index's open files (the
        index reads segments through open files, not memory maps; see search.whoosh_index)."""
        self.index.close()
        self.db.close()

    @classmethod
    def build(cls, config: Config) -> Runtime:
        where = datadir.paths(config.data_dir)
        server_secrets = datadir.read_server_secrets(config.data_dir)
        db = Database(where["database"])
        lexical = WhooshIndex(where["index"], cache_size=config["SUPPORT_SEARCH_CACHE_SIZE"])
        index = semantic.wrap(lexical, where["index"], config["SUPPORT_SEMANTIC_SEARCH"])
        renderer = Renderer()
        indexer = Indexer(db, index, where["index_lock"], renderer)
        relaxed = RelaxedDatabase(where["database"])
        articles = ArticleService(db, renderer, indexer, counters=relaxed)
        staff = StaffService(db)
        events = EventLog(relaxed, server_secrets)
        schedule = ScheduleService(db, articles)
        lease, timeout = config["SUPPORT_JOB_LEASE"], config["SUPPORT_WEBHOOK_TIMEOUT"]
        if lease < 2 * timeout + 10:  # an attempt may take twice the timeout (see outbound)
            raise ConfigError(
                f"SUPPORT_JOB_LEASE ({lease} s) must exceed twice SUPPORT_WEBHOOK_TIMEOUT "
                f"({timeout} s) by 10 s, or a slow receiver's job would be run twice at once"
            )
        mailer = Mailer(
            db, relay_url=config["SUPPORT_SMTP_URL"], sender=config["SUPPORT_MAIL_FROM"]
        )
        notifier = Notifier(db, mailer, config["SUPPORT_PUBLIC_URL"])
        webhooks = WebhookService(
            db,
            allow_private=config["SUPPORT_WEBHOOK_ALLOW_PRIVATE"],
            timeout=config["SUPPORT_WEBHOOK_TIMEOUT"],
            on_disabled=notifier.webhook_disabled,
        )
        links = MailLinks(server_secrets)
        uploads = Uploads(db, config["SUPPORT_MAX_ATTACHMENT_BYTES"], server_secrets)
        tickets = TicketService(
            db, server_secrets, config["SUPPORT_VISITOR_TOKEN_AGE"], uploads=uploads
        )
        customer_mail = CustomerMail(
            mailer,
            links,
            public_url=config["SUPPORT_PUBLIC_URL"],
            reply_domain=config["SUPPORT_MAIL_REPLY_DOMAIN"],
        )
        sla, teams, automations = SlaService(db), TeamService(db), AutomationService(db)
        contacts = ContactService(db)
        followers = Followers(db)
        known_issues = KnownIssueService(db, tickets)
        lifecycle = Lifecycle(
            tickets,
            sla,
            teams,
            automations,
            notifier,
            customer_mail,
            contacts=contacts,
            followers=followers,
            known_issues=known_issues,
        )
        tickets.lifecycle = lifecycle
        return cls(
            config=config,
            db=db,
            index=index,
            indexer=indexer,
            renderer=renderer,
            articles=articles,
            tickets=tickets,
            search=SearchService(db, index, on_unavailable=indexer.heal),
            limiter=RateLimiter(where["rate_limits"], config["SUPPORT_RATE_LIMITS_ENABLED"]),
            server_secrets=server_secrets,
            rates={
                "search": parse_rate(config["SUPPORT_RATE_SEARCH"]),
                "anon_tickets": parse_rate(config["SUPPORT_RATE_ANON_TICKETS"]),
                "tickets": parse_rate(config["SUPPORT_RATE_TICKETS"]),
                "login": parse_rate(config["SUPPORT_RATE_LOGIN"]),
                "failed_keys": parse_rate(config["SUPPORT_RATE_FAILED_KEYS"]),
                "uploads": parse_rate(config["SUPPORT_RATE_UPLOADS"]),
            },
            staff=staff,
            sessions=StaffSessions(db, staff, config["SUPPORT_SESSION_AGE"]),
            events=events,
            schedule=schedule,
            media=MediaService(db, config.data_dir / MEDIA, config["SUPPORT_MAX_IMAGE_BYTES"]),
            help_center=HelpCenterService(db, articles),
            writing=WritingDesk(db, articles, schedule),
            inbox=Inbox(db),
            analytics=Analytics(db, events.flush),
            storage=StorageMonitor(config.data_dir),
            webhooks=webhooks,
            mailer=mailer,
            notifier=notifier,
            links=links,
            customer_mail=customer_mail,
            inbound=Inbound(
                db,
                tickets,
                links,
                sender=config["SUPPORT_MAIL_FROM"],
                imap_url=config["SUPPORT_IMAP_URL"],
                lease=lease,
            ),
            follow_up=FollowUp(db, tickets, customer_mail),
            sla=sla,
            teams=teams,
            automations=automations,
            lifecycle=lifecycle,
            macros=MacroService(db),
            contacts=contacts,
            merge=TicketMerge(tickets),
            saved_views=SavedViews(db),
            followers=followers,
            presence=Presence(db),
            uploads=uploads,
            known_issues=known_issues,
            repeated=RepeatedIssues(db, events.flush),
            spikes=Spikes(db, notifier),
        )
