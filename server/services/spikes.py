"""Spikes: a context key or app version whose ticket rate is far above its own baseline.

The recent window (the last day) is compared with the baseline, the two weeks before it. A
spike must clear three bars, so a quiet context going from one ticket to three is not one:
at least ``MIN_TICKETS`` tickets, at least ``MIN_RATIO`` times the expected count, and a count
a Poisson process at the baseline rate would reach by chance less than once in a thousand.

A version new in the window has no baseline of its own; it is compared with what a version
of this app usually gets (the baseline spread over the versions seen in it), which is how a
bad release shows on its first day ("2.3.1: reports.export tickets 6x the usual"). Pairs of
version and context are checked too, and a pair is what the headline names when it explains
its version's or context's spike.

The worker's housekeeping calls :meth:`Spikes.notify`: each spike is mailed to the app's
agents once (a stored marker per spike and day, set in the mail's transaction).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from .. import clock
from ..store import Database
from ..store import insights as store
from .notifications import Notifier

DAY = 86_400.0
WINDOW_DAYS = 1
BASELINE_DAYS = 14
MIN_TICKETS = 5
MIN_RATIO = 3.0
MAX_CHANCE = 0.001
SHOWN_TICKETS = 20


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    if count <= 0:
        return 1.0
    if expected <= 0:
        return 0.0
    term = math.exp(-expected)
    below = term
    for k in range(1, count):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


def _dimensions(ticket: dict[str, Any]) -> Iterable[tuple[str, str]]:
    context, version = ticket["context_key"], ticket["app_version"]
    if context:
        yield "context", context
    if version:
        yield "app_version", version
    if context and version:
        yield "pair", f"{version}\u0000{context}"


def _explained_by_pairs(spikes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spikes without the context or version spikes a pair explains: when most of a
    context's (or version's) spike is one version's (or context's), the pair says it best."""
    pairs = [s for s in spikes if s["kind"] == "pair"]
    kept = []
    for s in spikes:
        if s["kind"] != "pair" and any(
            p[s["kind"]] == s[s["kind"]] and p["tickets"] >= 0.8 * s["tickets"] for p in pairs
        ):
            continue
        kept.append(s)
    return kept


class Spikes:
    def __init__(self, db: Database, notifier: Notifier) -> None:
        self.db = db
        self.notifier = notifier

    def find(self, app_id: str, at: float | None = None) -> dict[str, Any]:
        now = clock.now() if at is None else at
        start = now - WINDOW_DAYS * DAY
        since = start - BASELINE_DAYS * DAY
        with self.db.read() as conn:
            tickets = store.tickets_since(conn, app_id, clock.iso(since))
        recent: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        baseline: Counter[tuple[str, str]] = Counter()
        old_versions: set[str] = set()
        baseline_versioned = 0
        for t in tickets:
            is_recent = clock.parse_iso(t["created_at"]) >= start
            for dim in _dimensions(t):
                if is_recent:
                    recent[dim].append(t)
                else:
                    baseline[dim] += 1
            if not is_recent and t["app_version"]:
                old_versions.add(t["app_version"])
                baseline_versioned += 1
        # What one version usually gets in a window, for a version the baseline never saw.
        per_version = baseline_versioned / max(len(old_versions), 1) * WINDOW_DAYS / BASELINE_DAYS
        context_share = {
            dim[1]: n / max(baseline_versioned, 1)
            for dim, n in baseline.items()
            if dim[0] == "context"
        }
        spikes = []
        for dim, members in recent.items():
            kind, value = dim
            count = len(members)
            expected = baseline[dim] * WINDOW_DAYS / BASELINE_DAYS
            new = False
            if kind == "app_version" and value not in old_versions:
                expected, new = per_version, True
            elif kind == "pair" and value.split("\u0000")[0] not in old_versions:
                context = value.split("\u0000")[1]
                expected, new = per_version * context_share.get(context, 0.0), True
            # Never below half a ticket: "a context that never had one" is not infinitely up.
            expected = max(expected, 0.5)
            ratio = count / expected
            chance = poisson_tail(count, expected)
            if count < MIN_TICKETS or ratio < MIN_RATIO or chance > MAX_CHANCE:
                continue
            spikes.append(self._spike(kind, value, members, expected, ratio, chance, new, start))
        spikes = _explained_by_pairs(spikes)
        spikes.sort(key=lambda s: (-s["ratio"], -s["tickets"], s["id"]))
        return {
            "window": {"from": clock.iso(start), "to": clock.iso(now)},
            "baseline": {"from": clock.iso(since), "to": clock.iso(start)},
            "items": spikes,
        }

    @staticmethod
    def _spike(
        kind: str,
        value: str,
        members: list[dict[str, Any]],
        expected: float,
        ratio: float,
        chance: float,
        new: bool,
        start: float,
    ) -> dict[str, Any]:
        version, _, context = value.partition("\u0000") if kind == "pair" else ("", "", "")
        if kind == "context":
            context = value
        elif kind == "app_version":
            version = value
        shown = round(ratio)
        if kind == "pair":
            label = f"{version}: {context} tickets {shown}\u00d7 the usual"
        elif kind == "app_version":
            label = f"Version {version}: tickets {shown}\u00d7 the usual"
        else:
            label = f"{context}: tickets {shown}\u00d7 the usual"
        day = clock.iso(start)[:10]
        ident = hashlib.blake2b(f"{kind}:{value}:{day}".encode(), digest_size=6).hexdigest()
        return {
            "id": f"spk_{ident}",
            "kind": kind,
            "context": context or None,
            "app_version": version or None,
            "label": label,
            "tickets": len(members),
            "expected": round(expected, 2),
            "ratio": round(ratio, 1),
            "chance": chance,
            "new_version": new,
            "ticket_ids": [t["public_id"] for t in reversed(members)][:SHOWN_TICKETS],
            "subjects": list(dict.fromkeys(t["subject"] for t in reversed(members)))[:5],
        }

    def notify(self, at: float | None = None) -> int:
        """Mail each app's agents about its new spikes; returns how many spikes were told."""
        told = 0
        with self.db.read() as conn:
            apps = store.app_ids(conn)
        for app_id in apps:
            for spike in self.find(app_id, at)["items"]:
                with self.db.write() as conn:
                    if not store.mark_spike_told(conn, app_id, spike["id"], clock.iso()):
                        continue
                    self.notifier.spike(conn, app_id, spike)
                    told += 1
        return told
