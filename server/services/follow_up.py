"""Following up on tickets that wait on the customer.

A ticket set to *pending* (the agent asked the customer something) gets one reminder by mail
after :data:`REMIND_AFTER`; if the customer still has not answered :data:`SOLVE_AFTER` later,
the ticket is solved, recorded on it as the doing of the rule :data:`RULE`. Any answer from
the customer (widget or mail) reopens the ticket and stops the clock; an agent's new public
reply while pending starts it again. The worker runs :meth:`FollowUp.tick` between jobs.
Each step happens once per ticket: the reminder and its mark commit together.
"""

from __future__ import annotations

import logging

from .. import clock
from ..store import Database
from ..store import tickets as ticket_store
from .customer_mail import CustomerMail
from .tickets import TicketService

log = logging.getLogger(__name__)

REMIND_AFTER = 3 * 86400
SOLVE_AFTER = 4 * 86400
RULE = "pending-reminder"
BATCH = 50


class FollowUp:
    def __init__(self, db: Database, tickets: TicketService, customer_mail: CustomerMail) -> None:
        self.db = db
        self.tickets = tickets
        self.customer_mail = customer_mail

    def tick(self) -> tuple[int, int]:
        """Remind and solve what is due; returns (reminded, solved)."""
        now = clock.now()
        reminded = solved = 0
        with self.db.write() as conn:
            for ticket in ticket_store.pending_due(conn, clock.iso(now - REMIND_AFTER), BATCH):
                self.customer_mail.remind(conn, ticket, solve_in=f"in {SOLVE_AFTER // 86400} days")
                ticket_store.update_ticket(conn, ticket["id"], {"reminded_at": clock.iso(now)})
                reminded += 1
            for ticket in ticket_store.reminded_due(conn, clock.iso(now - SOLVE_AFTER), BATCH):
                self.tickets.solve_unanswered(conn, ticket, RULE)
                solved += 1
        if reminded or solved:
            log.info("follow-up: %d reminded, %d solved for want of an answer", reminded, solved)
        return reminded, solved
