"""SearchIndex / IndexWriter: the public face of the index package."""

from __future__ import annotations

import json
import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.query import And

from . import collect, generations
from ._whoosh_internals import current_searcher, new_writer
from .analysis import gram_mode
from .documents import segment_documents, stored_dict, stored_rows
from .generations import INDEX_NAME, META_FILE
from .engine import Evaluator
from .model import (Hit, IndexBusyError, IndexVersionError, QueryError, RecordingDoc,
                    SearchResults)
from .query import (QueryOptions, ResolveContext, compile_query, filters_query,
                    make_parser, reference_query, resolve_filters)
from .schema import SCHEMA_VERSION, build_schema, parser_schema
from .snippets import locate
from .spelling import corrections
from .variants import group_index

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
SORTS = ("relevance", "date", "oldest")  # date: newest first
# "Did you mean" is offered when a search finds fewer hits than this
SUGGEST_BELOW = 3


class SearchIndex:
    """A Whoosh index of transcript segments in the folder ``path`` (created if missing).

    The folder holds generations of the index (:mod:`index.generations`): a
    :meth:`building` block makes a new one beside the current one and swaps it in
    atomically. An open SearchIndex follows the swap at its next search or writer;
    until then it keeps reading the generation it has open.

    ``common_grams`` (True/"both", "either" = Lucene rule, False/"off") and
    ``spoken_numbers`` (numbers canonicalized at analysis time: "three" = "3";
    False only for benchmarks of the old behaviour) only matter when the
    index is created; an existing index keeps its settings.
    """

    def __init__(self, path: str | os.PathLike, *, common_grams=True,
                 spoken_numbers: bool = True):
        self.folder = Path(path)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._settings = (common_grams, bool(spoken_numbers))
        self._lock = threading.RLock()
        self._searcher = None
        # "numpy" (engine.Evaluator) or "whoosh" (Whoosh matchers/collectors,
        # the slow reference path used by tests and the benchmark baseline)
        self.engine = "numpy"
        self._open()

    def _open(self):
        """Open the current generation (creating the index if there is none)."""
        self._token = generations.token(self.folder)
        self.path = generations.current(self.folder)
        self.path.mkdir(exist_ok=True, mode=0o700)
        # No mmap: Whoosh's compound-segment reader would copy every mmapped
        # segment file into a BytesIO when a searcher opens (the whole index
        # in RAM, ~0.3 s per re-open at 1,000 h); plain reads are as fast here.
        storage = FileStorage(str(self.path), supports_mmap=False)
        if storage.index_exists(INDEX_NAME):
            self._check_meta()
            try:
                self._ix = storage.open_index(INDEX_NAME)
            except Exception as e:  # unpicklable/foreign schema or codec
                log.warning("search index at %s can't be opened", self.path, exc_info=True)
                raise IndexVersionError(
                    f"the search index at {self.path} can't be opened ({e}); "
                    "rebuild it") from None
        else:
            common_grams, numbers = self._settings
            mode = gram_mode(common_grams)
            self._ix = storage.create_index(build_schema(mode, numbers),
                                            indexname=INDEX_NAME)
            self._write_meta(mode, numbers)
            generations.make_private(self.path)
        self.schema = self._ix.schema
        self.gram_mode = self.schema["text"].gram_mode
        self.spoken_numbers = bool(getattr(self.schema["text"], "numbers", True))
        pschema = parser_schema(self.schema)
        self._parser = make_parser(pschema)
        self._exact_parser = make_parser(pschema, "exact")
        self._cache = collect.ColumnCache()

    def _follow(self):
        """Re-open on the current generation if a rebuild swapped in a new one."""
        if generations.token(self.folder) == self._token:
            return
        with self._lock:
            if generations.token(self.folder) == self._token:
                return
            self._close_ix()
            self._open()

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def create(cls, path, *, common_grams=True, spoken_numbers=True) -> "SearchIndex":
        """Replace the index at ``path`` with a fresh, empty one (atomically, as
        :meth:`building` does; anything else in the folder stays)."""
        with cls.building(path, common_grams=common_grams, spoken_numbers=spoken_numbers):
            pass
        return cls(path)

    @classmethod
    @contextmanager
    def building(cls, path, *, common_grams=True, spoken_numbers=True) -> Iterator["SearchIndex"]:
        """A new, empty index beside the current one in the folder ``path``, to fill.

        When the block ends without error it replaces the current index in one
        atomic step; on error (a full disk) it is removed and the current index is
        left as it was. Readers keep the current index until the swap. The caller
        holds the one writer's lock (the archive's)."""
        with generations.building(Path(path)) as gen:
            fresh = cls(gen, common_grams=common_grams, spoken_numbers=spoken_numbers)
            try:
                yield fresh
            finally:
                fresh.close()

    def _meta_path(self) -> Path:
        return self.path / META_FILE

    def _write_meta(self, mode: str, numbers: bool = True):
        self._meta_path().write_text(json.dumps(
            {"schema_version": SCHEMA_VERSION, "gram_mode": mode,
             "spoken_numbers": numbers}))

    def _check_meta(self):
        try:
            meta = json.loads(self._meta_path().read_text())
        except (OSError, ValueError) as e:
            log.info("no readable index metadata at %s (%s)", self._meta_path(), e)
            meta = {}
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise IndexVersionError(
                f"the search index at {self.path} was built by a different version "
                f"(schema {meta.get('schema_version')!r}, need {SCHEMA_VERSION}); "
                "rebuild it")

    def _close_ix(self):
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        self._ix.close()

    def close(self):
        with self._lock:
            self._close_ix()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def writer(self, *, limitmb: int = 256, timeout: float = 2.0) -> "IndexWriter":
        """A context-managed writer (commit on clean exit, cancel on error).

        Only one writer can be open at a time (across processes too): if the
        lock can't be had within ``timeout`` seconds, IndexBusyError.
        """
        self._follow()
        return IndexWriter(self, limitmb=limitmb, timeout=timeout)

    # -- reading -----------------------------------------------------------

    def _current_searcher(self):
        """Searcher on the latest commit (cheap generation check per call;
        a new searcher, never ``refresh()``: see _whoosh_internals)."""
        self._follow()
        s = current_searcher(self._ix, self._searcher)
        if s is not self._searcher:
            self._searcher = s
            self._cache.prune(s.reader())
        return s

    def doc_count(self) -> int:
        with self._lock:
            return self._current_searcher().doc_count()

    def recording_ids(self) -> set[int]:
        with self._lock:
            reader = self._current_searcher().reader()
            out = set()
            for btext in reader.lexicon("rid"):
                text = btext.decode() if isinstance(btext, bytes) else btext
                if reader.postings("rid", text).is_active():
                    out.add(int(text))
            return out

    def segment_texts(self, recording_id) -> dict[int, str]:
        with self._lock:
            s = self._current_searcher()
            out = {}
            for docnum in s.document_numbers(rid=str(int(recording_id))):
                d = stored_dict(s.stored_fields(docnum)["d"])
                out[d["sid"]] = d["text"]
            return out

    def holds(self, doc: RecordingDoc) -> bool:
        """True when the index holds exactly ``doc``: the same segments, each with the
        same stored fields (text, speaker, times, word times, the next segment's
        overlap, title, body, kind, date). What is searched is made from the same
        document at the same time, so this is what ``check`` compares."""
        expected = {row[1]: row for row in stored_rows(doc)}
        with self._lock:
            s = self._current_searcher()
            found = {}
            for docnum in s.document_numbers(rid=str(int(doc.recording_id))):
                d = tuple(s.stored_fields(docnum)["d"])
                found[d[1]] = d
        return found == expected

    def search(self, query: str, *, body=None, speaker=None, kind=None, chapter=None,
               date_from: str | None = None, date_to: str | None = None,
               sort: str = "relevance", limit: int = 20, offset: int = 0,
               facets: bool = False, exact: bool = False, phonetic: bool = False,
               variants: bool = True, synonyms=None, suggest: bool = True
               ) -> SearchResults:
        """Run a query in the archive's query language.

        How words match (numbers are always equivalent however written:
        "3" = "three", "$4 million" = "four million dollars"):

        * ``variants``: the built-in spelling variants (councillor/councilor/
          council member, Ms./Mrs./Miss, OK/okay ...) are searched too;
        * ``synonyms``: more groups of equivalent spellings, e.g. the
          archive's vocabulary ``[["Napolitano", "Neapolitano"], ...]``;
        * ``phonetic``: name-like words also match words that sound alike
          (double metaphone); ``sounds:word`` does it for one word;
        * ``exact``: every word letter for letter (no stemming, number forms,
          variants or sounds-alikes), as ``="..."`` does for one phrase.

        Hits found only through a variant or a sounds-alike rank below every
        direct hit (``Hit.expanded``).  With ``suggest``, a search that finds
        fewer than SUGGEST_BELOW hits gets ``suggestions``: corrected query
        strings, from the archive's own words, that find more.
        """
        if sort not in SORTS:
            raise QueryError(f"Unknown sort order {sort!r}; use 'relevance', 'date' (newest first) or 'oldest'.")
        limit = max(0, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        options = QueryOptions(exact=bool(exact), phonetic=bool(phonetic),
                               numbers=self.spoken_numbers,
                               groups=None if exact else group_index(
                                   synonyms, builtin=bool(variants),
                                   numbers=self.spoken_numbers))
        cq = compile_query(query, self._exact_parser if exact else self._parser,
                           gram_mode=self.gram_mode, options=options)
        fq = filters_query(body=body, speaker=speaker, kind=kind, chapter=chapter,
                           date_from=date_from, date_to=date_to)
        with self._lock:
            s = self._current_searcher()
            q0 = cq.query if fq is None else And([cq.query, fq])
            ctx = ResolveContext()
            q = resolve_filters(q0, s.reader(), ctx)
            clauses = cq.clauses + ctx.clauses
            k = offset + limit
            facet_out: dict[str, dict[str, int]] = {}
            try:
                if self.engine == "whoosh":
                    res = self._search_with_matchers(s, q, q0, ctx, clauses, sort,
                                                     offset, k, facets)
                else:
                    res = self._search_numpy(s, q, q0, ctx, clauses, sort, offset, k,
                                             facets)
            except QueryError:
                raise
            except Exception as e:
                # keep the one-line contract for anything unexpected
                log.exception("search %r failed", query)
                raise QueryError(f"That search couldn't be run ({type(e).__name__}); "
                                 "try fewer or more specific words.") from e
            if suggest and offset == 0 and res.total < SUGGEST_BELOW:
                res.suggestions = self._suggestions(
                    s, query, res.total,
                    dict(body=body, speaker=speaker, kind=kind, chapter=chapter, date_from=date_from,
                         date_to=date_to, exact=exact, phonetic=phonetic,
                         variants=variants, synonyms=synonyms))
        return res

    def _primary_ids(self, s, q0, ctx) -> np.ndarray | None:
        """Docnums matching the words as typed (no variant, no sounds-alike),
        when the query was expanded at all; else None."""
        if not ctx.expanded:
            return None
        pq = resolve_filters(q0, s.reader(), ResolveContext(primary=True))
        if self.engine == "whoosh":
            return np.sort(collect.matching_ids(s, pq))
        return Evaluator(s, self._cache).run(pq)[0]

    def _search_numpy(self, s, q, q0, ctx, clauses, sort, offset, k, facets):
        ids, scores = Evaluator(s, self._cache).run(q)
        total = len(ids)
        pids = self._primary_ids(s, q0, ctx)
        direct = None if pids is None else np.isin(ids, pids)
        if sort == "relevance":
            sel = collect.top_k(ids, scores, k, tier=direct)[offset:k]
            page = [(int(ids[i]), float(scores[i])) for i in sel]
        else:
            docnums = collect.top_by_date(s, ids, self._cache, k, oldest=sort == "oldest")[offset:k]
            pos = np.searchsorted(ids, docnums)
            page = [(d, float(scores[i])) for d, i in zip(docnums, pos.tolist())]
        facet_out = collect.facet_counts(s, ids, self._cache) if facets else {}
        hits = [self._hit(s, d, sc, clauses,
                          expanded=pids is not None and not _has(pids, d))
                for d, sc in page]
        return SearchResults(total=total, hits=hits, facets=facet_out)

    def _suggestions(self, s, query, found, kwargs) -> list[str]:
        try:
            cands = corrections(query, s.reader(), found)
        except Exception:   # "Did you mean" is a courtesy: never fail the search
            log.exception("no suggestions for %r", query)
            return []
        out = []
        for c in cands:
            try:
                n = self.search(c, limit=0, suggest=False, **kwargs).total
            except QueryError:
                continue
            if n > found and (not found or n >= 2 * found):
                out.append(c)
            if len(out) >= 3:
                break
        return out

    def _search_with_matchers(self, s, q, q0, ctx, clauses, sort, offset, k, facets):
        """Reference path: Whoosh's own matchers/collectors (slow on big
        archives; kept as the tests' oracle and the benchmark baseline)."""
        q = reference_query(q)
        ids = None
        pids = self._primary_ids(s, q0, ctx)
        if sort == "relevance":
            if pids is None:
                top, total = collect.top_by_score(s, q, k)
            else:
                top, total = collect.top_by_score(s, q, None)
                top.sort(key=lambda ds: (not _has(pids, ds[0]), -ds[1], ds[0]))
            page = top[offset:k]
        else:
            ids = collect.matching_ids(s, q)
            total = len(ids)
            docnums = collect.top_by_date(s, ids, self._cache, k, oldest=sort == "oldest")[offset:k]
            scores = collect.scores_for(s, q, docnums)
            page = [(d, scores.get(d, 0.0)) for d in docnums]
        facet_out = {}
        if facets:
            if ids is None:
                ids = collect.matching_ids(s, q)
            facet_out = collect.facet_counts(s, np.sort(ids), self._cache)
        hits = [self._hit(s, d, sc, clauses,
                          expanded=pids is not None and not _has(pids, d))
                for d, sc in page]
        return SearchResults(total=total, hits=hits, facets=facet_out)

    def _hit(self, searcher, docnum: int, score: float, clauses,
             expanded: bool = False) -> Hit:
        d = stored_dict(searcher.stored_fields(docnum)["d"])
        loc = locate(d, clauses, self.spoken_numbers)
        return Hit(recording_id=d["rid"], segment_id=d["sid"], title=d["title"],
                   body=d["body"], date=d["date"], kind=d["kind"], speaker=d["speaker"],
                   start=loc.start, end=loc.end, segment_start=d["start"],
                   segment_end=d["end"], text=d["text"], snippet=loc.snippet,
                   fragments=loc.fragments, score=float(score), expanded=expanded, chapter=d.get("chapter"))


def _has(sorted_ids: np.ndarray, docnum: int) -> bool:
    i = int(np.searchsorted(sorted_ids, docnum))
    return i < len(sorted_ids) and int(sorted_ids[i]) == int(docnum)


class IndexWriter:
    """Adds/replaces/deletes recordings.  Use as a context manager."""

    def __init__(self, index: SearchIndex, *, limitmb=256, timeout=2.0):
        self._index = index
        try:
            self._w = new_writer(index._ix, limitmb=limitmb, timeout=timeout)
        except LockError:
            raise IndexBusyError() from None
        self._added: set[int] = set()
        self._closed = False

    def add_recording(self, doc: RecordingDoc):
        """Index ``doc``, replacing any earlier version of that recording."""
        rid = int(doc.recording_id)
        if rid in self._added:
            raise ValueError(f"recording {rid} was already added by this writer; "
                             "commit before adding it again")
        self._w.delete_by_term("rid", str(rid))
        add = self._w.add_document
        for fields in segment_documents(doc, numbers=self._index.spoken_numbers):
            add(**fields)
        self._added.add(rid)

    def delete_recording(self, recording_id: int):
        rid = int(recording_id)
        if rid in self._added:
            raise ValueError(f"recording {rid} was added by this writer; commit first")
        self._w.delete_by_term("rid", str(rid))

    def commit(self):
        if not self._closed:
            self._closed = True
            self._w.commit()
            generations.make_private(self._index.path)
            generations.clean(self._index.folder)  # old generations go with the next writer

    def cancel(self):
        if not self._closed:
            self._closed = True
            self._w.cancel()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        else:
            self.cancel()
        return False
