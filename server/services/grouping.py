"""Grouping short support texts by what they are about: offline, deterministic, evidence-first.

Tickets and failed searches say the same thing in different words and with typos ("CSV
export is empty", "export to csv gives a blank file", "exprot csv blank"). No model is needed
to see that these share their rare words: each text becomes a TF-IDF vector over stemmed,
stopword-free words, a misspelt word is folded into a frequent word one edit away, and texts
whose vectors point the same way (cosine) share a group.

The grouping is a leader clustering made fast with an inverted index: a text is compared only
with the groups that hold one of its heaviest words among their own heaviest words, so the cost
grows with the number of texts, not its square (100,000 tickets in seconds, see
benchmarks/grouping_bench.py). A second pass merges groups whose centres meet the same bar.
Texts are taken oldest first and everything is ordered, so the same data gives the same groups
and the same ids (the hash of a group's heaviest words).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from whoosh.lang.porter import stem as porter_stem

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_STOP = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can cannot could did do does doing don down during each few for
    from further get gets getting got had has have having he her here hers him his how i if in
    into is it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours hi hello thanks thank please help hey dear regards
    team support issue problem question still anyone keep keeps kind way trying tried try want
    wanted need needs able since even though really like also ok okay just yet again its dont
    cant doesnt didnt isnt wont im ive getting gives give giving shows showing show seems
    le la les un une des du de et ou est en au aux pour par sur dans avec ce ces cette qui que
    quoi ne pas plus je tu il elle nous vous ils elles mon ma mes ton ta tes son sa ses notre
    votre leur bonjour merci svp""".split()  # noqa: SIM905 (a word list reads best as words)
)
_FOLD_MIN_LENGTH = 5  # shorter words are too easily one edit from another real word


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The stemmed, meaningful words of a text, in order (stopwords and numbers dropped)."""
    return [porter_stem(w) for w in _WORD.findall(_plain(text)) if w not in _STOP]


@dataclass(frozen=True)
class Text:
    """One thing to group: ``key`` is the caller's (a ticket id, a search query)."""

    key: str
    text: str
    weight: int = 1  # a failed search repeated 12 times counts 12 times


@dataclass
class Group:
    id: str
    keys: list[str]
    terms: list[str]  # the heaviest words of the group's centre, heaviest first
    weight: int
    # How close each member is to the centre, by key: the closest make the best samples.
    closeness: dict[str, float] = field(default_factory=dict)
    # The share of members (by weight) holding two of the group's three heaviest words: low
    # for a chain of unrelated texts that each shared one word with the next, high for a topic.
    cohesion: float = 1.0


def _deletes(word: str) -> Iterable[str]:
    yield word
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def typo_folds(frequency: Counter[str]) -> dict[str, str]:
    """Rare words mapped to the frequent word one edit (delete, insert, substitute or swap)
    away, found with the symmetric-delete index, so "exprot" joins "export"."""
    vocabulary = sorted(frequency, key=lambda w: (-frequency[w], w))
    by_delete: dict[str, list[str]] = defaultdict(list)
    for word in vocabulary:
        if len(word) >= _FOLD_MIN_LENGTH - 1:
            for variant in set(_deletes(word)):
                by_delete[variant].append(word)
    folds: dict[str, str] = {}
    for word in vocabulary:
        count = frequency[word]
        if len(word) < _FOLD_MIN_LENGTH or count > 3:
            continue
        best: str | None = None
        for variant in set(_deletes(word)):
            for other in by_delete.get(variant, ()):
                if other == word or frequency[other] < max(4, 3 * count):
                    continue
                if _one_edit(word, other) and (
                    best is None or (-frequency[other], other) < (-frequency[best], best)
                ):
                    best = other
        if best is not None:
            folds[word] = best
    return folds


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _normalise(vector: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vector.values()))
    return {t: v / norm for t, v in vector.items()} if norm else {}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _heaviest(vector: dict[str, float], n: int) -> list[str]:
    return [t for t, _ in sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


class _Cluster:
    __slots__ = ("centre", "keys", "total", "weight")

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.total: dict[str, float] = defaultdict(float)
        self.weight = 0
        self.centre: dict[str, float] = {}

    def add(self, key: str, vector: dict[str, float], weight: int) -> None:
        self.keys.append(key)
        self.weight += weight
        for t, v in vector.items():
            self.total[t] += v
        # The centre keeps only its heaviest words: enough to compare, and it stays small.
        top = sorted(self.total.items(), key=lambda kv: (-kv[1], kv[0]))[:40]
        self.centre = _normalise(dict(top))


def group(
    texts: Sequence[Text], *, threshold: float = 0.4, probe_terms: int = 4, index_terms: int = 6
) -> list[Group]:
    """Group ``texts`` (given oldest first); the biggest group (by weight) comes first."""
    tokens = [words(t.text) for t in texts]
    frequency: Counter[str] = Counter()
    for ws in tokens:
        frequency.update(set(ws))
    folds = typo_folds(frequency)
    tokens = [[folds.get(w, w) for w in ws] for ws in tokens]
    document_frequency: Counter[str] = Counter()
    for ws in tokens:
        document_frequency.update(set(ws))
    n = max(len(texts), 1)
    idf = {t: math.log((1 + n) / (1 + df)) + 1.0 for t, df in document_frequency.items()}

    clusters: list[_Cluster] = []
    postings: dict[str, set[int]] = defaultdict(set)
    for text, ws in zip(texts, tokens, strict=True):
        if not ws:
            continue
        counts = Counter(ws)
        vector = _normalise({t: (1 + math.log(c)) * idf[t] for t, c in counts.items()})
        candidates: Counter[int] = Counter()
        for term in _heaviest(vector, probe_terms):
            for c in postings.get(term, ()):
                candidates[c] += 1
        best, best_score = -1, threshold
        # The groups sharing most heavy words first, at most 64 of them: enough, and bounded.
        for c, _ in sorted(candidates.items(), key=lambda kv: (-kv[1], kv[0]))[:64]:
            score = _cosine(vector, clusters[c].centre)
            if score >= best_score:
                best, best_score = c, score
        if best < 0:
            clusters.append(_Cluster())
            best = len(clusters) - 1
        cluster = clusters[best]
        before = set(_heaviest(cluster.centre, index_terms))
        cluster.add(text.key, vector, text.weight)
        for term in set(_heaviest(cluster.centre, index_terms)) - before:
            postings[term].add(best)

    merged = _merge(clusters, threshold, index_terms)
    vectors = {}
    holding: dict[str, set[str]] = {}
    weights = {t.key: t.weight for t in texts}
    for text, ws in zip(texts, tokens, strict=True):
        if ws:
            counts = Counter(ws)
            holding[text.key] = set(ws)
            vectors[text.key] = _normalise(
                {t: (1 + math.log(c)) * idf[t] for t, c in counts.items()}
            )
    groups = []
    for cluster in merged:
        terms = _heaviest(cluster.centre, 8)
        ident = hashlib.blake2b(" ".join(sorted(terms[:3])).encode(), digest_size=6).hexdigest()
        held = sum(weights[k] for k in cluster.keys if len(holding[k] & set(terms[:3])) >= 2)
        groups.append(
            Group(
                id=f"grp_{ident}",
                keys=list(cluster.keys),
                terms=terms,
                weight=cluster.weight,
                closeness={k: round(_cosine(vectors[k], cluster.centre), 4) for k in cluster.keys},
                cohesion=round(held / max(cluster.weight, 1), 3),
            )
        )
    groups.sort(key=lambda g: (-g.weight, g.id))
    return _unique_ids(groups)


def _merge(clusters: list[_Cluster], threshold: float, index_terms: int) -> list[_Cluster]:
    """Join groups whose centres meet the bar: the leader pass can split a topic in two when
    its first texts shared few words."""
    order = sorted(range(len(clusters)), key=lambda i: (-clusters[i].weight, i))
    kept: list[_Cluster] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for i in order:
        cluster = clusters[i]
        seen: set[int] = set()
        target = -1
        for term in _heaviest(cluster.centre, index_terms):
            for k in postings.get(term, ()):
                if k in seen:
                    continue
                seen.add(k)
                if _cosine(cluster.centre, kept[k].centre) >= threshold:
                    target = k
                    break
            if target >= 0:
                break
        if target < 0:
            kept.append(cluster)
            for term in _heaviest(cluster.centre, index_terms):
                postings[term].append(len(kept) - 1)
            continue
        into = kept[target]
        into.keys.extend(cluster.keys)
        into.weight += cluster.weight
        for t, v in cluster.total.items():
            into.total[t] += v
        top = sorted(into.total.items(), key=lambda kv: (-kv[1], kv[0]))[:40]
        into.centre = _normalise(dict(top))
    return kept


def _unique_ids(groups: list[Group]) -> list[Group]:
    # Two groups can share their three heaviest words; the smaller one gets a suffix.
    seen: Counter[str] = Counter()
    for g in groups:
        seen[g.id] += 1
        if seen[g.id] > 1:
            g.id = f"{g.id}{seen[g.id]}"
    return groups
