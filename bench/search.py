"""Search benchmark: synthetic council-meeting transcripts (no audio).

Builds indexes for archives of 10, 100 and 1,000 hours (~9,000 words/hour,
Zipfian vocabulary with real common English words, stock spoken phrases,
~20-word segments with word times) and measures build time, size on disk and
search latency (p50/p95) per query class.  A "plain" index (no common grams)
is built too (default: 10 h and 100 h) to show the effect on phrase queries.

    .venv/bin/python bench/search.py               # 10, 100, 1000 h
    .venv/bin/python bench/search.py --quick       # 10 h only
    .venv/bin/python bench/search.py --hours 100 --plain-hours 100
    .venv/bin/python bench/search.py --hours 100 --write-side-hours 100
    .venv/bin/python bench/search.py --write-docs  # update docs/benchmarks.md

``--write-side-hours`` also builds the default index with Whoosh's stock
``SegmentWriter`` (with this package's codec, and with ``W3Codec``'s public
parameters) to show what the custom codec and writer pay, build and search.

Not a test; results go to stdout (and, with --write-docs, to the "## Search"
section of docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import machine  # noqa: E402
from index import (IndexSegment, IndexWord, RecordingDoc, SearchIndex)  # noqa: E402

WORDS_PER_HOUR = 9000
SEGMENT_WORDS = (12, 28)
RECORDING_HOURS = (1.0, 3.0)

# Ranked roughly by spoken-English frequency.
COMMON = """the and to of a i that you it in is we this for be on have so
was they what not are with but just do at there about if think all can as
one our going like know my get will from would me or here an your people
which up out them he were more go by had no right now when also then very
time because how see want need us some well city council these other mayor
their been into said should its could only make those motion first new two
item over any two back after where way much thank yes okay many even good
let most through public before down each being same did under while why
again against between during few further once until really""".split()

DOMAIN = """budget zoning parking sidewalk police library ordinance stormwater
traffic housing permit variance resolution hearing amendment property tax
water sewer fire department park recreation street repair contract bid
vendor grant funding revenue expenditure audit pension salary staff
chief manager engineer attorney planning commission district school board
development subdivision parcel easement setback density affordable rental
eviction homeless shelter transit bus bike lane crosswalk signal speed
enforcement citation noise nuisance trash recycling landfill utility rate
electric broadband fiber cable franchise annexation boundary census
election ballot referendum bond debt interest capital improvement project
design construction bridge culvert drainage flood floodplain wetland
tree canopy trail greenway festival parade veterans memorial museum
senior center youth program lifeguard pool playground cemetery airport
harbor marina downtown business district tourism hotel restaurant liquor
license cannabis dispensary firearm ordinance curfew animal shelter
""".split()

NAMES = """Henderson Rodriguez Okafor Nakamura Lindqvist Petrov Abernathy
Castillo Whitfield Gallagher Moreau Kowalski Delgado Fitzgerald Haddad
Jablonski Marchetti Oyelaran Sorensen Thibodeaux Vasquez Wojcik Yamamoto
Zimmerman Brennan Carvalho Dubois Eriksen Feldman Guerrero""".split()

STOCK = ["out of the", "one of the", "at the end of the", "the city council",
         "thank you", "i think that", "we need to", "going to be", "a lot of",
         "in terms of", "as well as", "the end of the day", "public comment",
         "move to approve", "second the motion", "all in favor", "on the agenda",
         "part of the", "some of the", "the rest of the", "in front of the",
         "the mayor and council", "out of the budget", "city staff", "next item"]

BODIES = ["Riverton City Council", "Planning Commission", "School Board",
          "Parks and Recreation Board", "Zoning Board of Appeals"]
KINDS = ["meeting", "work session", "public hearing"]

SYL = ["ka", "lo", "mer", "tin", "sha", "vor", "pel", "dri", "nu", "bas", "ter",
       "gol", "fen", "ri", "mos", "cal", "dun", "el", "pra", "zo", "wick", "han",
       "sul", "tre", "bo", "lin", "gar", "ves", "om", "quel"]


def build_vocab(rng: random.Random, size: int = 30000) -> list[str]:
    vocab = list(dict.fromkeys(COMMON))
    seen = set(vocab)
    extra = [w for w in DOMAIN + [n.lower() for n in NAMES] if w not in seen]
    seen.update(extra)
    synth = []
    while len(synth) < size - len(vocab) - len(extra):
        w = "".join(rng.choice(SYL) for _ in range(rng.choice((2, 2, 3, 3, 4))))
        if w not in seen:
            seen.add(w)
            synth.append(w)
    # domain words and names spread over ranks ~150..3000, the rest synthetic
    rest = synth
    step = max(1, 3000 // max(len(extra), 1))
    for i, w in enumerate(extra):
        rest.insert(min(len(rest), 30 + i * step), w)
    return vocab + rest


class Generator:
    """Deterministic synthetic transcripts."""

    def __init__(self, seed: int = 7):
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.vocab = build_vocab(self.rng)
        ranks = np.arange(1, len(self.vocab) + 1, dtype=np.float64)
        p = 1.0 / ranks ** 1.07
        self.cdf = np.cumsum(p / p.sum())
        self.names = {w.lower(): w for w in NAMES}
        self.speakers = {b: [f"{t} {self.rng.choice(NAMES)}" for t in
                             ("Mayor", "Councilmember", "Commissioner", "Chair",
                              "Clerk", "Member", "Director", "Resident")]
                         for b in BODIES}
        self.stock = [s.split() for s in STOCK]

    def words(self, n: int) -> list[str]:
        idx = np.searchsorted(self.cdf, self.np.random(n))
        vocab = self.vocab
        out: list[str] = []
        rnd = self.np.random(n)
        stock = self.stock
        for j, i in enumerate(idx.tolist()):
            if rnd[j] < 0.03:
                out.extend(stock[int(rnd[j] * 1e6) % len(stock)])
            else:
                out.append(vocab[min(i, len(vocab) - 1)])
            if len(out) >= n:
                break
        return out[:n]

    def recording(self, rid: int, hours: float) -> RecordingDoc:
        rng = self.rng
        body = BODIES[rid % len(BODIES)]
        kind = rng.choice(KINDS)
        year = 2005 + rid % 20
        date = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        nwords = int(hours * WORDS_PER_HOUR)
        toks = self.words(nwords)
        segs = []
        t = 2.0
        i = 0
        sid = rid * 100000
        spk = self.speakers[body]
        cap = True
        while i < len(toks):
            k = rng.randint(*SEGMENT_WORDS)
            chunk = toks[i:i + k]
            i += k
            words = []
            for w in chunk:
                disp = self.names.get(w, w)
                if cap:
                    disp = disp[:1].upper() + disp[1:]
                    cap = False
                r = rng.random()
                if r < 0.05:
                    disp += ","
                elif r < 0.09:
                    disp += "."
                    cap = True
                dur = 0.18 + rng.random() * 0.35
                words.append(IndexWord(" " + disp, round(t, 2), round(t + dur, 2)))
                t += dur + 0.02 + rng.random() * 0.08
            text = "".join(w.text for w in words)
            segs.append(IndexSegment(sid, words[0].start, words[-1].end, text, words,
                                     rng.choice(spk)))
            sid += 1
            t += 0.3 + rng.random() * 1.5
        return RecordingDoc(rid, f"{body} {kind} {date}", body, kind, date, segs)

    def archive(self, hours: float):
        done = 0.0
        rid = 1
        while done < hours - 1e-9:
            h = min(self.rng.uniform(*RECORDING_HOURS), hours - done)
            yield self.recording(rid, h)
            done += h
            rid += 1


QUERIES = {
    "word": ["budget", "zoning", "sidewalk", "henderson", "library", "stormwater",
             "easement", "police"],
    "common word": ["council", "city"],
    "boolean": ["budget parking", "budget OR zoning", "police -budget",
                "library NOT parking", "(sidewalk OR street) repair",
                "tax AND revenue AND audit"],
    "prefix": ["budg*", "sidew*", "zon*"],
    "fuzzy": ["hendersen~", "rodrigez~2", "sidewak~", "zonning~"],
    "filtered": ['budget body:"Planning Commission"', "zoning date:2015",
                 "parking date:2010..2012", "police speaker:henderson",
                 "kind:hearing library", {"q": "budget", "body": "school board"},
                 {"q": "sidewalk", "date_from": "2010-01-01", "date_to": "2012-06-30"}],
    "phrase (common words)": ['"out of the"', '"the city council"', '"one of the"',
                              '"at the end of the"'],
    "phrase (other)": ['"public comment"', '"property tax"', '"thank you mayor"'],
    "sort=date": [{"q": "budget", "sort": "date"}, {"q": '"out of the"', "sort": "date"}],
    "facets": [{"q": "budget", "facets": True}, {"q": "council", "facets": True}],
}
PHRASE_CLASSES = ("phrase (common words)", "phrase (other)")


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# write-side variants: label -> (stock SegmentWriter?, codec factory or None = default)
WRITERS = {
    "council": "custom codec + custom writer (default)",
    "stock-writer": "custom codec + stock SegmentWriter",
    "stock": "stock SegmentWriter + W3Codec(blocklimit=512, compression=1)",
}


class _StockWriter:
    """``SearchIndex.writer()`` stand-in writing through Whoosh's own
    SegmentWriter (public API), with the package's codec or W3Codec."""

    def __init__(self, ix, variant: str, limitmb: int):
        from whoosh.codec.whoosh3 import W3Codec

        from index._whoosh_internals import CouncilCodec
        from index.documents import segment_documents

        codec = CouncilCodec() if variant == "stock-writer" else W3Codec(
            blocklimit=512, compression=1)
        self._docs = segment_documents
        self._numbers = ix.spoken_numbers
        self._w = ix._ix.writer(limitmb=limitmb, codec=codec)

    def __enter__(self):
        return self

    def add_recording(self, doc):
        self._w.delete_by_term("rid", str(doc.recording_id))
        for fields in self._docs(doc, numbers=self._numbers):
            self._w.add_document(**fields)

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self._w.commit()
        else:
            self._w.cancel()


def build(path: Path, hours: float, *, mode: str, profile: bool, writer: str = "council"):
    """Index a synthetic archive; returns (index seconds, generate seconds,
    segments, words, index CPU seconds).  Index time excludes generating the
    synthetic data."""
    gen = Generator()
    ix = SearchIndex.create(path, common_grams=mode)
    nseg = nwords = 0
    gen_s = gen_cpu = 0.0
    prof = cProfile.Profile() if profile else None
    c0 = _cpu()
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    docs = gen.archive(hours)
    w = ix.writer(limitmb=1024) if writer == "council" else _StockWriter(ix, writer, 1024)
    with w:
        while True:
            g0, gc0 = time.perf_counter(), time.process_time()
            doc = next(docs, None)
            gen_s += time.perf_counter() - g0
            gen_cpu += time.process_time() - gc0
            if doc is None:
                break
            w.add_recording(doc)
            nseg += len(doc.segments)
            nwords += sum(len(s.words) for s in doc.segments)
    if prof:
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    total = time.perf_counter() - t0
    cpu = _cpu() - c0 - gen_cpu
    ix.close()
    return total - gen_s, gen_s, nseg, nwords, cpu


def _cpu() -> float:
    import resource
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_queries(ix: SearchIndex, classes, repeats: int, profile: bool = False):
    out = {}
    for cls in classes:
        times = []
        totals = []
        for spec in QUERIES[cls]:
            kw = dict(spec) if isinstance(spec, dict) else {"q": spec}
            q = kw.pop("q")
            ix.search(q, **kw)  # warm-up
            for _ in range(repeats):
                t0 = time.perf_counter()
                r = ix.search(q, **kw)
                times.append((time.perf_counter() - t0) * 1000)
            totals.append((q if not kw else f"{q} {kw}", r.total))
        out[cls] = {"p50": percentile(times, 50), "p95": percentile(times, 95),
                    "max": max(times), "totals": totals}
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for cls in classes:
            for spec in QUERIES[cls]:
                kw = dict(spec) if isinstance(spec, dict) else {"q": spec}
                ix.search(kw.pop("q"), **kw)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(20)
    return out


def percentile(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    f = int(k)
    c = min(f + 1, len(xs) - 1)
    return xs[f] + (xs[c] - xs[f]) * (k - f)


MODE_LABELS = {"both": "common grams", "either": "common grams, Lucene rule",
               "off": "no grams"}


def loadavg() -> str:
    try:
        return "%.1f" % os.getloadavg()[0]
    except OSError:
        return "?"


def bench_size(hours, *, mode, repeats, workdir, profile, classes,
               whoosh_baseline=False, writer="council"):
    path = Path(workdir) / f"ix_{hours:g}h_{mode}_{writer}"
    label = MODE_LABELS[mode]
    print(f"\n== {hours:g} h ({label}, {WRITERS[writer]}) -> {path}  [load {loadavg()}]",
          flush=True)
    load0 = loadavg()
    secs, gen_s, nseg, nwords, cpu = build(path, hours, mode=mode, profile=profile,
                                           writer=writer)
    size = dir_size(path)
    print(f"build {secs:.1f} s, CPU {cpu:.1f} s (+{gen_s:.1f} s generating data), "
          f"{nseg:,} segments, "
          f"{nwords:,} words, {size / 1e6:.1f} MB  [load {loadavg()}]", flush=True)
    out = []
    engines = [("numpy", label)]
    if whoosh_baseline:
        engines.append(("whoosh", "no grams, Whoosh span matchers"))
    for engine, elabel in engines:
        ix = SearchIndex(path)
        ix.engine = engine
        res = run_queries(ix, classes, repeats if engine == "numpy" else 2,
                          profile=profile and engine == "numpy")
        ix.close()
        for cls, r in res.items():
            print(f"  [{elabel}] {cls:24s} p50 {r['p50']:8.1f} ms  p95 {r['p95']:8.1f} ms"
                  f"  max {r['max']:8.1f} ms   {r['totals']}", flush=True)
        out.append({"hours": hours, "mode": elabel, "writer": writer, "build_s": secs,
                    "cpu_s": cpu, "gen_s": gen_s, "segments": nseg, "words": nwords, "bytes": size,
                    "queries": res, "load": f"{load0}-{loadavg()}",
                    "engine": engine})
    return out


_OLD_LABELS = {"plain Whoosh (Phrase/SpanNear matchers)": "no grams, Whoosh span matchers"}


OUT_OF_THE = '"out of the"'


def _total(results, engine, cls, query, hours=100):
    for r in results:
        if r.get("engine") == engine and r["hours"] == hours and cls in r["queries"]:
            for q, total in r["queries"][cls]["totals"]:
                if q == query:
                    return f"{total:,}"
    return "?"


def _cell(r, cls):
    q = r["queries"].get(cls) if r else None
    return f"{q['p50']:.1f} / {q['p95']:.1f}" if q else ""


def bench_stock_whoosh(hours, *, workdir, repeats, classes):
    """Baseline: stock Whoosh (TEXT field with a stemming analyzer, no stop
    words, default codec and writer, QueryParser + Searcher.search)."""
    from whoosh import fields
    from whoosh import index as windex
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.qparser import QueryParser

    path = Path(workdir) / f"ix_{hours:g}h_stock"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    label = "stock Whoosh (TEXT + Phrase, no overlap)"
    print(f"\n== {hours:g} h ({label}) -> {path}  [load {loadavg()}]", flush=True)
    schema = fields.Schema(text=fields.TEXT(analyzer=StemmingAnalyzer(stoplist=None),
                                            stored=True),
                           rid=fields.ID(stored=True), sid=fields.ID(stored=True))
    ix = windex.create_in(str(path), schema)
    gen = Generator()
    load0 = loadavg()
    c0, t0, gen_s = _cpu(), time.perf_counter(), 0.0
    w = ix.writer(limitmb=512)
    docs = gen.archive(hours)
    nseg = 0
    while True:
        g0 = time.perf_counter()
        doc = next(docs, None)
        gen_s += time.perf_counter() - g0
        if doc is None:
            break
        for sg in doc.segments:
            w.add_document(text=sg.text, rid=str(doc.recording_id), sid=str(sg.segment_id))
            nseg += 1
    w.commit()
    secs = time.perf_counter() - t0 - gen_s
    cpu = _cpu() - c0
    size = dir_size(path)
    print(f"build {secs:.1f} s, {size / 1e6:.1f} MB", flush=True)
    qp = QueryParser("text", schema)
    res = {}
    with ix.searcher() as s:
        for cls in classes:
            times, totals = [], []
            for spec in QUERIES[cls]:
                q = qp.parse(spec)
                for i in range(repeats + 1):
                    t1 = time.perf_counter()
                    r = s.search(q, limit=20)
                    total = len(r)
                    _ = [hit["text"] for hit in r]
                    if i:
                        times.append((time.perf_counter() - t1) * 1000)
                totals.append((spec, total))
            res[cls] = {"p50": percentile(times, 50), "p95": percentile(times, 95),
                        "max": max(times), "totals": totals}
            print(f"  [{label}] {cls:24s} p50 {res[cls]['p50']:8.1f} ms  "
                  f"p95 {res[cls]['p95']:8.1f} ms   {totals}", flush=True)
    ix.close()
    return [{"hours": hours, "mode": label, "writer": "stock Whoosh", "build_s": secs,
             "cpu_s": cpu,
             "gen_s": gen_s, "segments": nseg, "words": 0, "bytes": size,
             "queries": res, "load": f"{load0}-{loadavg()}", "engine": "stock"}]


WRITE_SIDE_CLASSES = ("word", "boolean", "phrase (common words)", "phrase (other)",
                      "sort=date")


def write_side_table(variants, default) -> list[str]:
    """The custom codec and writer vs Whoosh's stock writer and W3Codec."""
    lines = ["", "### Write side: custom codec and writer vs stock Whoosh, "
             "default index (common grams)", "",
             "| archive | codec + writer | build time (wall) | build CPU | index size | "
             + " | ".join(f"{c}, ms p50 / p95" for c in WRITE_SIDE_CLASSES) + " | load avg |",
             "|---|---|---:|---:|---:|" + "---:|" * len(WRITE_SIDE_CLASSES) + "---|"]
    rows = []
    for h in sorted({r["hours"] for r in variants}):
        if h in default:
            rows.append(default[h])
        rows += [r for r in variants if r["hours"] == h]
    for r in rows:
        lines.append(f"| {r['hours']:g} h | {WRITERS[r['writer']]} | {r['build_s']:.1f} s | "
                     f"{r['cpu_s']:.1f} s | {r['bytes'] / 1e6:.0f} MB | "
                     + " | ".join(_cell(r, c) for c in WRITE_SIDE_CLASSES)
                     + f" | {r['load']} |")
    lines += ["", "The custom codec and writer (`index/_whoosh_internals/write.py`) keep "
              "the stock W3 on-disk format. The codec pickles posting blocks with protocol "
              "5 (W3's protocol 2 turns every `bytes` positions value into a call), "
              "inlines single postings (`W3Codec(inlinelimit=2)` crashes in "
              "whoosh-reloaded 2.7.5) and writes postings without per-posting asserts; "
              "the writer groups postings per term as documents arrive instead of "
              "sorting every posting. Both are kept because their rows pay in build CPU "
              "(and the codec in size); the latency columns of one run differ by the "
              "noise of the shared machine (the first two rows hold the very same "
              "format)."]
    return lines


def write_docs(results, path: Path):
    for r in results:
        r["mode"] = _OLD_LABELS.get(r["mode"], r["mode"])
    for r in results:
        r.setdefault("writer", "stock Whoosh" if r.get("engine") == "stock" else "council")
    variants = [r for r in results if r["writer"] in ("stock-writer", "stock")]
    results = [r for r in results if r not in variants]
    builds = [r for r in results if r.get("engine") in ("numpy", "stock")]
    default = {r["hours"]: r for r in builds if r["mode"] == MODE_LABELS["both"]}
    sizes = sorted(default)
    lines = ["## Search", "",
             f"Machine: {machine()}. Other jobs shared this 2-core machine during "
             "some runs; the load average at the start/end of each build is shown.", "",
             "Generated by `bench/search.py` (synthetic transcripts: ~9,000 words/hour, "
             "Zipfian vocabulary of ~30k words with real common English words, "
             "3% stock spoken phrases such as \"out of the\", ~20-word segments with "
             "word times, 1-3 hour meetings of 5 bodies over 20 years). Latency is "
             "per `SearchIndex.search()` call: exact total + a page of 20 hits with "
             "hit times and snippets; warm; each query run 5 times after a warm-up "
             "(baselines 2), p50/p95 over all runs of the class.", "",
             "### Build", "",
             "| archive | index | segments | build time (wall) | build CPU "
             "| (+ generating data) | index size | load avg |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for r in builds:
        lines.append(f"| {r['hours']:g} h | {r['mode']} | "
                     f"{r['segments']:,} | {r['build_s']:.1f} s | "
                     f"{r.get('cpu_s', float('nan')):.1f} s | {r['gen_s']:.1f} s | "
                     f"{r['bytes'] / 1e6:.0f} MB | {r['load']} |")
    classes = []
    for r in default.values():
        for c in r["queries"]:
            if c not in classes:
                classes.append(c)
    lines += ["", "### Search latency, default index (common grams), ms p50 / p95", "",
              "| query class | " + " | ".join(f"{h:g} h" for h in sizes) + " |",
              "|---|" + "---:|" * len(sizes)]
    for c in classes:
        lines.append(f"| {c} | " + " | ".join(_cell(default[h], c) for h in sizes) + " |")
    lines += ["", "### Phrases: common grams vs. no grams vs. stock Whoosh, ms p50 / p95",
              "", "| archive | index / evaluation | " + " | ".join(PHRASE_CLASSES) + " |",
              "|---|---|" + "---:|" * len(PHRASE_CLASSES)]
    for r in sorted(results, key=lambda r: (r["hours"], r["mode"] != MODE_LABELS["both"],
                                             r["engine"] != "numpy", r["engine"] == "stock",
                                             r["mode"])):
        if not all(c in r["queries"] for c in PHRASE_CLASSES):
            continue
        lines.append(f"| {r['hours']:g} h | {r['mode']} | "
                     + " | ".join(_cell(r, c) for c in PHRASE_CLASSES) + " |")
    if variants:
        lines += write_side_table(variants, default)
    lines += ["", "Notes:", "",
              "* *common grams* (default): a `a_b` token for adjacent words that are "
              "both in the ~200-word common list (`out_of`, `of_the`, `city_council`); "
              "*Lucene rule*: a gram when either word is common (CommonGramsFilter). "
              "The Lucene rule makes phrases with one rare word a little cheaper but "
              "creates ~20x more distinct terms (every `the_<word>`, in the transcript "
              "and the exact field): at 100 h about twice the build CPU and the size "
              "for the same common-phrase speed, so it is not the default "
              "(`SearchIndex.create(path, common_grams=\"either\")`).",
              "* *stock Whoosh* is the before-picture: a plain `TEXT` field "
              "(stemming, no stop words, default codec/writer), `QueryParser` and "
              "`Searcher.search` (no segment overlap, so it misses phrases that cross "
              "Whisper segments: compare the totals, e.g. `\"out of the\"` "
              + _total(results, "stock", "phrase (common words)", OUT_OF_THE)
              + " vs " + _total(results, "numpy", "phrase (common words)", OUT_OF_THE)
              + " at 100 h). *no grams, Whoosh span matchers* runs this package's "
              "index without grams through Whoosh's SpanNear/collector machinery (the "
              "tests' oracle: since issue 10 it also scores own-start matches the way "
              "the engine does, one document at a time, so both agree on scores and "
              "order, which makes it slower than before); *no grams* evaluates the same "
              "unigram phrases with the numpy engine.",
              "* Every text query only counts matches that start in a segment's own "
              "words (the index also holds the first 10 words of the next segment), so "
              "totals are exact and phrases across Whisper segment boundaries are found "
              "once.",
              "* Build = `SearchIndex.writer()` + `add_recording()` for every meeting + "
              "commit; generating the synthetic transcripts is timed separately. CPU is "
              "the build's own CPU time: less affected by other jobs than wall time, "
              "but on this shared 2-core machine a load above 2 inflates it too.",
              "* The index holds spoken numbers in one canonical form and the unstemmed "
              "`exact` field (issue 7), and searches run the default way (built-in "
              "spelling variants on).",
              ""]
    lines += ["Queries per class: " + "; ".join(
        f"**{c}**: " + ", ".join(f"`{x}`" if isinstance(x, str) else f"`{x}`"
                                 for x in QUERIES[c]) for c in classes), ""]
    section = "\n".join(lines) + "\n"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    m = re.search(r"^## Search\b.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if m:
        rest = text[m.end():]
        text = text[:m.start()] + section + ("\n" + rest if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, nargs="*", default=[10, 100, 1000])
    ap.add_argument("--plain-hours", type=float, nargs="*", default=[10, 100],
                    help="sizes to also build without common grams (phrase baseline)")
    ap.add_argument("--either-hours", type=float, nargs="*", default=[],
                    help="sizes to also build with the Lucene 'either word' gram rule")
    ap.add_argument("--stock-hours", type=float, nargs="*", default=[100],
                    help="sizes to also index with stock Whoosh (the 'before' picture)")
    ap.add_argument("--quick", action="store_true", help="10 h only")
    ap.add_argument("--write-side-hours", type=float, nargs="*", default=[100],
                    help="sizes to also build with Whoosh's stock writer / W3Codec")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the index directories")
    ap.add_argument("--profile", action="store_true", help="cProfile build and queries")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--json", default=None, help="also write raw results here")
    ap.add_argument("--from-json", nargs="*", default=None,
                    help="don't run: merge these result files (with --write-docs)")
    args = ap.parse_args(argv)
    if args.from_json:
        results, seen = [], set()
        for f in args.from_json:       # a row measured twice: the first file's wins
            for r in json.loads(Path(f).read_text()):
                key = (r["hours"], r["mode"], r.get("writer"), r.get("engine"))
                if key not in seen:
                    seen.add(key)
                    results.append(r)
        if args.write_docs:
            write_docs(results, ROOT / "docs" / "benchmarks.md")
            print("wrote", ROOT / "docs" / "benchmarks.md")
        return results
    if args.quick:
        args.hours, args.plain_hours, args.stock_hours = [10], [10], []
        args.write_side_hours = [10]
    workdir = args.workdir or tempfile.mkdtemp(prefix="council-bench-")
    Path(workdir).mkdir(parents=True, exist_ok=True)
    print("machine:", machine())
    results = []
    try:
        for h in args.hours:
            results += bench_size(h, mode="both", repeats=args.repeats,
                                  workdir=workdir, profile=args.profile,
                                  classes=list(QUERIES))
            for mode, sizes in (("either", args.either_hours), ("off", args.plain_hours)):
                if h in sizes:
                    results += bench_size(h, mode=mode,
                                          repeats=max(2, args.repeats // 2),
                                          workdir=workdir, profile=False,
                                          classes=list(PHRASE_CLASSES),
                                          whoosh_baseline=(mode == "off"))
            for writer in ("stock-writer", "stock") if h in args.write_side_hours else ():
                results += bench_size(h, mode="both", repeats=args.repeats, workdir=workdir,
                                      profile=False, classes=list(WRITE_SIDE_CLASSES),
                                      writer=writer)
            if h in args.stock_hours:
                results += bench_stock_whoosh(h, workdir=workdir, repeats=2,
                                              classes=["word"] + list(PHRASE_CLASSES))
            if not args.keep:
                for p in Path(workdir).glob(f"ix_{h:g}h_*"):
                    shutil.rmtree(p, ignore_errors=True)
    finally:
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1))
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.write_docs:
        write_docs(results, ROOT / "docs" / "benchmarks.md")
        print("wrote", ROOT / "docs" / "benchmarks.md")
    return results


if __name__ == "__main__":
    main()
