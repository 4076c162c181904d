"""Optional semantic search: article vectors beside the Whoosh index, fused with its ranking.

Installed with ``support-sdk[semantic]`` and switched on with ``SUPPORT_SEMANTIC_SEARCH``.
:class:`SemanticIndex` wraps the lexical :class:`SearchIndex` and implements the same
interface, so the indexer's outbox path (``apply``) and ``support-server reindex``
(``rebuild``) keep the vectors in step without knowing they exist. Layout under the index
root::

    semantic/<generation>/READY               written after the vectors of a rebuild
    semantic/<generation>/<key>.npz           one app and locale: vectors and article ids

Each ``.npz`` is replaced atomically (written beside, then ``os.replace``) and carries its app
and locale, checked on load, so one app's vectors never answer another's query. Lexical search
stays the default and the fallback: if the model cannot load, or the vectors are missing or
unreadable, a query is answered lexically and one warning is logged.

The model is WordLlama's ``l2_supercat`` (256 dimensions), whose weights and tokenizer ship
inside its wheel: nothing is downloaded, and it runs on the CPU. Fusion is reciprocal rank
fusion (k = 60) of the lexical top 20 and the articles whose cosine similarity to the query is
at least :data:`MIN_COSINE` (see benchmarks/semantic_bench.py for the measurements).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import IndexDocument, SearchHit, SearchPage
from .whoosh_index import WhooshIndex

log = logging.getLogger(__name__)

RRF_K = 60
DEPTH = 20  # candidates taken from each ranking (the lexical ones with snippets)
MIN_COSINE = 0.2  # below this an article is not a semantic candidate (nonsense finds nothing)
DIRECTORY = "semantic"
READY = "READY"


def available() -> bool:
    """Whether the ``[semantic]`` extra is installed."""
    try:
        import numpy  # noqa: F401
        import wordllama  # noqa: F401
    except ImportError:
        return False
    return True


def load_model() -> Any:
    """WordLlama from the weights and tokenizer inside its wheel, never from the network.

    ``WordLlama.load()`` looks for the packaged tokenizer in ``wordllama/tokenizer/`` while the
    wheel ships it in ``wordllama/tokenizers/``; naming the package directory as the cache
    directory finds both files, and ``disable_download`` makes a missing file an error.
    """
    # The tokenizer's thread pool would warn (and turn itself off) in forked web workers.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import wordllama

    return wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )


def wrap(
    index: WhooshIndex, root: str | os.PathLike[str], enabled: bool
) -> WhooshIndex | SemanticIndex:
    """The index fused with vectors when enabled and the extra is installed (else the lexical
    one, with a warning if it was asked for)."""
    if not enabled:
        return index
    if available():
        return SemanticIndex(index, root)
    log.warning(
        "SUPPORT_SEMANTIC_SEARCH is on but support-sdk[semantic] is not installed; "
        "searching lexically"
    )
    return index


def article_text(doc: IndexDocument) -> str:
    """What is embedded: the title, summary and tags (a whole body dilutes the average)."""
    return ". ".join([doc.title, doc.summary, ", ".join(doc.tags)])


def rrf(rankings: Iterable[list[int]]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of rankings of article ids, best first."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, article_id in enumerate(ranking):
            fused[article_id] = fused.get(article_id, 0.0) + 1 / (RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class _Store:
    """The vectors of one app and locale, with what a hit needs of each article."""

    app_id: str
    locale: str
    ids: list[int]
    meta: list[dict[str, Any]]  # slug, title, category, summary, revision
    vectors: Any  # numpy float32 array, one normalised row per article

    def save(self, path: Path) -> None:
        import numpy as np

        header = {"app_id": self.app_id, "locale": self.locale, "ids": self.ids, "meta": self.meta}
        buffer = io.BytesIO()
        np.savez(
            buffer,
            vectors=np.asarray(self.vectors, dtype=np.float32),
            header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as out:
            out.write(buffer.getvalue())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> _Store:
        import numpy as np

        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            vectors = np.asarray(data["vectors"], dtype=np.float32)
        ids = [int(i) for i in header["ids"]]
        if vectors.ndim != 2 or len(ids) != vectors.shape[0] or len(header["meta"]) != len(ids):
            raise ValueError(f"{path.name}: ids and vectors disagree")
        return cls(header["app_id"], header["locale"], ids, header["meta"], vectors)


def _key(app_id: str, locale: str) -> str:
    return hashlib.sha256(f"{app_id}\0{locale}".encode()).hexdigest()[:24]


class SemanticIndex:
    """A :class:`SearchIndex` that fuses the lexical one with article vectors."""

    def __init__(
        self,
        lexical: WhooshIndex,
        root: str | os.PathLike[str],
        model_loader: Callable[[], Any] = load_model,
        min_cosine: float = MIN_COSINE,
    ) -> None:
        self.lexical = lexical
        self.min_cosine = min_cosine
        self.root = Path(root) / DIRECTORY
        self._loader = model_loader
        self._model: Any = None
        self._model_failed = False
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, int], _Store]] = {}
        self._warned: set[str] = set()

    # -- the model and the files ----------------------------------------------------------
    def _warn_once(self, what: str, message: str, *args: object) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning(message, *args)

    def _embedder(self) -> Any:
        with self._lock:
            if self._model is None and not self._model_failed:
                try:
                    self._model = self._loader()
                except Exception as exc:  # noqa: BLE001 - lexical search still answers
                    self._model_failed = True
                    log.warning("semantic search off: cannot load its model (%s)", exc)
            return self._model

    def _embed(self, texts: list[str]) -> Any:
        import numpy as np

        model = self._embedder()
        if model is None:
            return None
        # Normalised here, not by the model: text with no known token (say "???") embeds as
        # zeros, which must score 0 against everything rather than NaN.
        vectors = np.asarray(model.embed(texts, norm=False), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    def _generation_dir(self) -> Path | None:
        name = self.lexical.generation_name()
        return self.root / name if name else None

    def _read(self, app_id: str, locale: str) -> _Store | None:
        where = self._generation_dir()
        if where is None:
            return None
        path = where / f"{_key(app_id, locale)}.npz"
        try:
            if not (where / READY).exists():
                raise FileNotFoundError(where / READY)
            if not path.exists():
                # A generation with vectors, but no article of this app and locale.
                return _Store(app_id, locale, [], [], None)
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            cached = self._cache.get(path)
            if cached and cached[0] == stamp:
                return cached[1]
            store = _Store.load(path)
            if (store.app_id, store.locale) != (app_id, locale):
                raise ValueError(f"{path.name} belongs to another app or locale")
        except Exception as exc:  # noqa: BLE001 - missing or corrupt: answer lexically
            self._warn_once(
                f"{where.name}/{path.name}",
                "semantic vectors unusable, searching lexically: %s",
                exc,
            )
            return None
        self._cache[path] = (stamp, store)
        return store

    def _stores(self, where: Path) -> Iterator[tuple[Path, _Store]]:
        for path in sorted(where.glob("*.npz")):
            yield path, _Store.load(path)

    def _write(self, where: Path, documents: list[IndexDocument], deletes: set[int]) -> None:
        import numpy as np

        stores = {(s.app_id, s.locale): (p, s) for p, s in self._stores(where)}
        touched: set[tuple[str, str]] = set()
        gone = deletes | {d.article_id for d in documents}
        for key, (_, store) in stores.items():
            keep = [i for i, article_id in enumerate(store.ids) if article_id not in gone]
            if len(keep) != len(store.ids):
                store.ids = [store.ids[i] for i in keep]
                store.meta = [store.meta[i] for i in keep]
                store.vectors = store.vectors[keep]
                touched.add(key)
        if documents:
            vectors = self._embed([article_text(d) for d in documents])
            if vectors is None:
                raise RuntimeError("the semantic model is not loaded")
            rows: dict[tuple[str, str], list[int]] = {}
            for n, doc in enumerate(documents):
                rows.setdefault((doc.app_id, doc.locale), []).append(n)
            for key, picked in rows.items():
                if key not in stores:
                    empty = np.zeros((0, vectors.shape[1]), dtype=np.float32)
                    stores[key] = (where / f"{_key(*key)}.npz", _Store(*key, [], [], empty))
                store = stores[key][1]
                for n in picked:
                    doc = documents[n]
                    store.ids.append(doc.article_id)
                    store.meta.append(
                        {"slug": doc.slug, "title": doc.title, "category": doc.category,
                         "summary": doc.summary, "revision": doc.revision}
                    )  # fmt: skip
                store.vectors = np.concatenate([store.vectors, vectors[picked]])
                touched.add(key)
        for key in touched:
            path, store = stores[key]
            store.save(path)

    # -- SearchIndex ------------------------------------------------------------------------
    def apply(self, upserts: Iterable[IndexDocument], deletes: Iterable[int]) -> None:
        upserts, deletes = list(upserts), list(deletes)
        self.lexical.apply(upserts, deletes)
        where = self._generation_dir()
        if where is None or not (where / READY).exists() or self._embedder() is None:
            return  # no vectors for this generation: the next rebuild writes them
        try:
            self._write(where, upserts, set(deletes))
        except Exception as exc:  # noqa: BLE001 - vectors are derived; lexical is updated
            log.warning("cannot update the semantic vectors (%s); searching lexically", exc)
            shutil.rmtree(where, ignore_errors=True)

    def rebuild(
        self, documents: Iterable[IndexDocument], progress: Callable[[int], None] | None = None
    ) -> None:
        """Rebuild both: the vectors are written first, beside, and moved in as the new
        generation's directory once Whoosh has swapped it in, so readers rarely see a
        generation without vectors (they answer lexically meanwhile)."""
        kept = list(documents)
        staging = None
        if self._embedder() is not None:
            staging = self.root / f".staging-{os.getpid()}-{threading.get_ident()}"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            self._write(staging, kept, set())
            (staging / READY).write_text("ok\n", encoding="utf-8")
        self.lexical.rebuild(kept, progress)
        if staging is None:
            return
        where = self._generation_dir()
        if where is None:
            shutil.rmtree(staging, ignore_errors=True)
            return
        shutil.rmtree(where, ignore_errors=True)
        os.replace(staging, where)
        for old in self.root.iterdir():  # rebuilds run under the indexer lock: these are stale
            if old.is_dir() and old != where:
                shutil.rmtree(old, ignore_errors=True)

    def check(self) -> str:
        """The lexical index's state, or 'outdated' (rebuild) when its vectors are missing,
        unreadable or not of the articles it holds: the setting was off for a while, or
        another process wrote the index without them."""
        found = self.lexical.check()
        where = self._generation_dir()
        if found != "ok" or where is None or self._embedder() is None:
            return found
        try:
            if not (where / READY).exists():
                return "outdated"
            versions = {
                article_id: int(meta["revision"])
                for _, store in self._stores(where)
                for article_id, meta in zip(store.ids, store.meta, strict=True)
            }
        except Exception as exc:  # noqa: BLE001 - rebuilt below, like a damaged index
            log.warning("semantic vectors unreadable (%s); rebuilding them", exc)
            return "outdated"
        return found if versions == self.lexical.stored_versions() else "outdated"

    def generation_name(self) -> str | None:
        return self.lexical.generation_name()

    def remove_superseded(self) -> int:
        return self.lexical.remove_superseded()  # the vectors of old ones went at the rebuild

    def stored_versions(self) -> dict[int, int]:
        return self.lexical.stored_versions()

    def state(self) -> Mapping[str, Any]:
        return self.lexical.state()

    def close(self) -> None:
        self.lexical.close()

    def search(
        self, app_id: str, text: str, *, locale: str, category: str | None, page: int, limit: int
    ) -> SearchPage:
        store = self._read(app_id, locale) if self._embedder() is not None else None
        if store is None:
            return self.lexical.search(
                app_id, text, locale=locale, category=category, page=page, limit=limit
            )
        depth = max(DEPTH, page * limit)
        lexical = self.lexical.search(
            app_id, text, locale=locale, category=category, page=1, limit=depth
        )
        semantic: list[int] = []
        positions: dict[int, int] = {}
        if store.ids and text.strip():
            scores = store.vectors @ self._embed([text])[0]
            for i in scores.argsort()[::-1][:DEPTH]:
                row = int(i)
                if not scores[row] >= self.min_cosine:  # NaN too
                    break
                if category and store.meta[row]["category"].lower() != category.lower():
                    continue
                semantic.append(store.ids[row])
                positions[store.ids[row]] = row
        by_id = {h.article_id: h for h in lexical.hits}
        fused = rrf([[h.article_id for h in lexical.hits], semantic])
        hits = []
        for article_id, score in fused[(page - 1) * limit : page * limit]:
            hit = by_id.get(article_id)
            if hit is None:
                meta = store.meta[positions[article_id]]
                hit = SearchHit(
                    article_id=article_id,
                    slug=meta["slug"],
                    title=meta["title"],
                    category=meta["category"],
                    snippet=html.escape(meta["summary"]),
                    score=0.0,
                )
            hits.append(
                SearchHit(hit.article_id, hit.slug, hit.title, hit.category, hit.snippet,
                          round(score, 6))
            )  # fmt: skip
        extra = sum(1 for article_id in semantic if article_id not in by_id)
        return SearchPage(
            hits=hits,
            total=lexical.total + extra,
            page=page,
            suggestion=lexical.suggestion,
            corrected=lexical.corrected,
        )
