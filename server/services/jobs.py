"""The job runner: claims one due job at a time and runs it, the one place background work
happens (webhook deliveries, mail, the fan-out of events; SLA timers and automations join
here as new kinds).

A claim is a lease (:data:`LEASE` seconds) written in a write transaction; every step after
it names the worker, so two workers never run the same job at once, and a job whose worker
was killed runs again when its lease runs out. Delivery is therefore at least once: a
webhook attempt that reached the receiver just before its worker was killed is made again,
with the same ``webhook-id``.

The fan-out of an event (deliveries and notification mails) is written in the transaction
that marks its job done, so it happens exactly once however often the job is taken up.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from typing import Any

from .. import clock
from ..ids import new_id
from ..store import Database
from ..store import outbox as store
from .customer_mail import CustomerMail
from .inbound import JOB as INBOUND
from .inbound import Inbound
from .mail import Mailer
from .notifications import Notifier
from .outbox import FANOUT
from .webhooks import WebhookService

log = logging.getLogger(__name__)

LEASE = 120.0  # longer than any one job may take: a webhook timeout, a relay's
KINDS = (FANOUT, "webhook", "mail", INBOUND)
# Fan-out jobs taken in one transaction: one a ticket (or an article of an import) cost the
# worker two durable commits of its own, each taking the write lock from the web workers.
# A batch keeps that lock a few milliseconds.
FANOUT_BATCH = 20
ERROR_RETRY = (10, 60, 300, 1800, 3600)
KEEP_DONE = 7 * 86400


class LostLease(Exception):
    """Another worker took the job over (this one was too slow); its work is not recorded."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{new_id('', 6)}"


class JobRunner:
    def __init__(
        self,
        db: Database,
        *,
        webhooks: WebhookService,
        notifier: Notifier,
        mailer: Mailer,
        customer_mail: CustomerMail,
        inbound: Inbound,
        name: str | None = None,
        lease: float = LEASE,
    ) -> None:
        self.db = db
        self.webhooks = webhooks
        self.notifier = notifier
        self.mailer = mailer
        self.customer_mail = customer_mail
        self.inbound = inbound
        self.name = name or worker_name()
        self.lease = lease
        self._rng = random.Random()
        self._handlers: dict[str, Callable[[dict[str, Any]], float | None]] = {
            "webhook": lambda job: self.webhooks.attempt(job["ref"], self._fence(job)),
            "mail": lambda job: self.mailer.send(job["ref"], self._fence(job)),
            INBOUND: lambda job: self.inbound.process(job["ref"], self._fence(job)),
        }

    def _fence(self, job: dict[str, Any]) -> Callable[[Any], None]:
        """For a handler's recording transaction: raise LostLease if the job was taken over."""

        def check(conn: Any) -> None:
            if not store.holds(conn, job["id"], self.name):
                raise LostLease(job["id"])

        return check

    def claim(self) -> dict[str, Any] | None:
        now = clock.now()
        with self.db.write() as conn:
            return store.claim(conn, self.name, clock.iso(now), clock.iso(now + self.lease), KINDS)

    def release(self, job: dict[str, Any]) -> None:
        """Give a claimed job back untouched (shutting down before running it)."""
        with self.db.write() as conn:
            store.reschedule(conn, job["id"], self.name, clock.iso(), None, clock.iso())

    def run_one(self) -> bool:
        """Claim and run one due job; False when none is due."""
        job = self.claim()
        if job is None:
            return False
        self.run(job)
        return True

    def run(self, job: dict[str, Any]) -> None:
        try:
            if job["kind"] == FANOUT:
                self._fan_out(job)
                return
            again = self._handlers[job["kind"]](job)
        except LostLease:
            log.warning("job %s (%s) was taken over by another worker", job["id"], job["kind"])
            return
        except Exception as exc:  # a bug or a fault outside the receiver's: retry it later
            log.exception("job %s (%s) failed", job["id"], job["kind"])
            delay = ERROR_RETRY[min(job["attempts"], len(ERROR_RETRY)) - 1]
            with self.db.write() as conn:
                store.reschedule(
                    conn,
                    job["id"],
                    self.name,
                    clock.iso(clock.now() + delay),
                    f"{type(exc).__name__}: {exc}"[:500],
                    clock.iso(),
                )
            return
        with self.db.write() as conn:
            if again is None:
                store.finish(conn, job["id"], self.name, clock.iso())
            else:
                store.reschedule(conn, job["id"], self.name, clock.iso(again), None, clock.iso())

    def _fan_out(self, job: dict[str, Any]) -> None:
        """Fan out ``job``'s event and, in the same transaction, the events of up to
        ``FANOUT_BATCH - 1`` more due fan-out jobs, claimed and finished there (so never
        leased outside it: a crash rolls them back to pending). A later one that fails is
        rolled back alone and left due, to be run on its own with the usual retries."""
        with self.db.write() as conn:
            if not store.holds(conn, job["id"], self.name):
                raise LostLease(job["id"])
            self._fan_out_one(conn, job)
            now = clock.now()
            for _ in range(FANOUT_BATCH - 1):
                conn.execute("SAVEPOINT fanout_batch")
                more = store.claim(
                    conn, self.name, clock.iso(now), clock.iso(now + self.lease), (FANOUT,)
                )
                if more is None:
                    conn.execute("RELEASE fanout_batch")
                    break
                try:
                    self._fan_out_one(conn, more)
                except Exception:  # noqa: BLE001 - run alone next time, with its retries
                    log.warning(
                        "fan-out of job %s failed in a batch; retrying it alone", more["id"]
                    )
                    conn.execute("ROLLBACK TO fanout_batch")
                    conn.execute("RELEASE fanout_batch")
                    break
                conn.execute("RELEASE fanout_batch")

    def _fan_out_one(self, conn: Any, job: dict[str, Any]) -> None:
        event = store.get_event(conn, job["ref"])
        if event is not None:
            self.webhooks.fan_out(conn, event)
            self.notifier.fan_out(conn, event)
            self.customer_mail.fan_out(conn, event)
        store.finish(conn, job["id"], self.name, clock.iso())

    def seconds_until_due(self, cap: float) -> float:
        with self.db.read() as conn:
            due = store.next_due(conn, KINDS)
        if due is None:
            return cap
        return max(0.0, min(cap, clock.parse_iso(due) - clock.now()))

    def housekeeping(self) -> int:
        """Forget finished jobs after a week (deliveries and mail keep their own records)."""
        with self.db.write() as conn:
            return store.purge_done(conn, clock.iso(clock.now() - KEEP_DONE))

    def backlog(self) -> dict[str, int]:
        with self.db.read() as conn:
            return store.backlog(conn)
