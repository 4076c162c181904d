"""The worker loop: drains the job queue until told to stop (``support-server worker``).

It runs beside the web workers (``serve`` starts one as a child process, ``run`` and the demo
as a thread) or on its own machine; several may run at once, each job is claimed by one.
It sleeps until the next job falls due, at most :data:`IDLE_POLL` seconds, so an event is
picked up within that time of its commit. Between jobs it publishes scheduled articles,
reads the IMAP mailbox every ``SUPPORT_IMAP_POLL`` seconds (when one is configured) and
follows up on tickets waiting on their customer (:mod:`.services.follow_up`), and every
:data:`LIFECYCLE_EVERY` seconds records SLA warnings and breaches and fires time rules
(:mod:`.services.lifecycle`). Hourly housekeeping removes old jobs and the uploads nobody
attached within a day, and tells agents about ticket spikes (:mod:`.services.spikes`).

Stopping (SIGTERM, SIGINT or ``stop.set()``) lets the job in hand finish (every job is
bounded by its timeouts) and releases nothing half-done: a job claimed but not run is
given back.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

from .runtime import Runtime
from .services.imap_source import MailboxError
from .storage import StorageFull

log = logging.getLogger(__name__)

IDLE_POLL = 0.5
FAULT_PAUSE = 5.0
HOUSEKEEPING_EVERY = 3600.0
FOLLOW_UP_EVERY = 60.0
INDEX_SWEEP_EVERY = 60.0  # search index generations a rebuild replaced (see WhooshIndex)
LIFECYCLE_EVERY = 10.0  # SLA timers and time rules: a breach is recorded at its due time anyway


def _poll_mailbox(rt: Runtime, name: str) -> None:
    mailbox = rt.inbound.mailbox
    try:
        stored = rt.inbound.poll(name)
    except MailboxError as exc:  # down or refusing: the rest of the worker goes on
        where = mailbox.describe() if mailbox else "-"
        log.warning("the mailbox %s cannot be read now: %s", where, exc)
        return
    except (sqlite3.Error, StorageFull, OSError):
        raise  # the worker's own pause
    except Exception:  # a bug must not stop the webhooks and mail: log it, try next time
        log.exception("reading the mailbox failed")
        return
    if stored:
        log.info("stored %d new message(s) from the mailbox", stored)


def _tick_lifecycle(rt: Runtime) -> None:
    try:
        rt.lifecycle.tick()
    except (sqlite3.Error, StorageFull, OSError):
        raise  # the worker's own pause
    except Exception:  # a bug must not stop the webhooks and mail: log it, try next time
        log.exception("SLA timers and time rules failed")


def _tell_spikes(rt: Runtime) -> None:
    try:
        told = rt.spikes.notify()
        if told:
            log.info("told agents about %d ticket spike(s)", told)
    except sqlite3.Error:
        raise
    except Exception:  # a bug must not stop the webhooks and mail: log it, try next time
        log.exception("spike detection failed")


def work(rt: Runtime, stop: threading.Event, *, idle_poll: float = IDLE_POLL) -> None:
    runner = rt.job_runner()
    log.info("worker %s started", runner.name)
    try:
        if rt.mailer.release_held():
            log.info("a mail relay is configured: sending the mail that waited for one")
    except sqlite3.Error as exc:
        log.warning("could not release held mail: %s", exc)
    next_housekeeping = next_follow_up = next_poll = next_lifecycle = time.monotonic()
    next_index_sweep = time.monotonic()
    poll_every = float(rt.config["SUPPORT_IMAP_POLL"])
    while not stop.is_set():
        try:
            # the mailbox is read on time even while jobs keep the worker busy
            if rt.inbound.mailbox is not None and time.monotonic() >= next_poll:
                next_poll = time.monotonic() + poll_every
                _poll_mailbox(rt, runner.name)
            if time.monotonic() >= next_lifecycle:  # on time too, however busy
                next_lifecycle = time.monotonic() + LIFECYCLE_EVERY
                _tick_lifecycle(rt)
            job = runner.claim()
            if job is not None:
                if stop.is_set():
                    runner.release(job)
                    break
                runner.run(job)
                continue
            rt.schedule.tick()
            if time.monotonic() >= next_follow_up:
                rt.follow_up.tick()
                next_follow_up = time.monotonic() + FOLLOW_UP_EVERY
            if time.monotonic() >= next_index_sweep:
                next_index_sweep = time.monotonic() + INDEX_SWEEP_EVERY
                removed = rt.index.remove_superseded()
                if removed:
                    log.info("removed %d search index generation(s) a rebuild replaced", removed)
            if time.monotonic() >= next_housekeeping:
                runner.housekeeping()
                removed = rt.uploads.prune()
                if removed:
                    log.info("removed %d upload(s) nobody attached within a day", removed)
                _tell_spikes(rt)
                next_housekeeping = time.monotonic() + HOUSEKEEPING_EVERY
            wait = runner.seconds_until_due(idle_poll)
            if rt.inbound.mailbox is not None:
                wait = min(wait, max(0.0, next_poll - time.monotonic()))
            stop.wait(wait)
        except (sqlite3.Error, StorageFull, OSError) as exc:
            log.warning("worker paused for %g s: %s", FAULT_PAUSE, exc)
            stop.wait(FAULT_PAUSE)
    log.info("worker %s stopped", runner.name)


def start_thread(rt: Runtime) -> tuple[threading.Thread, threading.Event]:
    """A worker in a daemon thread of this process (``run`` and the demo)."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(rt, stop), name="support-worker", daemon=True)
    thread.start()
    return thread, stop
