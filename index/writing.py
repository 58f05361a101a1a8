"""Lean Whoosh writers for bulk indexing of transcript segments.

Profiling a 10-hour build showed most time in per-posting Python overhead:
PostingPool.add (asserts, size arithmetic), run files pickled item by item
with protocol 2, and FieldWriter.add_postings looking up the document length
through the column reader for *every* posting.  These subclasses keep the
Whoosh on-disk format and semantics but:

* group postings by term as documents arrive (no sort of every posting);
* spill/merge runs as pickled chunks of term groups (protocol 5);
* read each field's length column once per flush (codec.CouncilFieldWriter).

``CouncilMpWriter`` is Whoosh's multiprocessing writer wired to the same
classes (its sub-processes otherwise hard-code ``SegmentWriter``).
"""

from __future__ import annotations

import heapq
import pickle
from operator import itemgetter

from whoosh.multiproc import MpWriter, SubWriterTask, finish_subsegment
from whoosh.writing import PostingPool, SegmentWriter

_CHUNK = 20000
_first = itemgetter(0)
_second = itemgetter(1)


class GroupedPostings:
    """Sorted postings grouped by term: ``groups()`` yields
    ``(fieldname, btext, [(docnum, weight, vbytes), ...])``; iterating gives
    Whoosh's usual ``(fieldname, btext, docnum, weight, vbytes)`` tuples."""

    def __init__(self, groups):
        self._groups = groups

    def groups(self):
        return self._groups

    def __iter__(self):
        for fieldname, btext, lst in self._groups:
            for docnum, weight, vbytes in lst:
                yield (fieldname, btext, docnum, weight, vbytes)


class CouncilPool(PostingPool):
    """Posting pool that groups postings by term as they arrive.

    Documents are added in docnum order, so each term's list is already
    sorted: flushing only sorts the distinct terms instead of every posting
    tuple (Whoosh's PostingPool sorts all postings).  Runs spill to disk as
    pickled chunks of whole term groups."""

    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        PostingPool.__init__(self, tempstore, segment, limitmb=limitmb, **kwargs)
        self.groups: dict[str, dict[bytes, list]] = {}
        self._unordered = False

    # -- adding --------------------------------------------------------------

    def add(self, item):
        fieldname, btext, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        fg = self.groups.get(fieldname)
        if fg is None:
            fg = self.groups[fieldname] = {}
        lst = fg.get(btext)
        if lst is None:
            fg[btext] = [(docnum, weight, vbytes)]
        else:
            if lst[-1][0] > docnum:
                self._unordered = True
            lst.append((docnum, weight, vbytes))
        self.currentsize += 110 + len(vbytes or b"")
        if self.currentsize > self.limit:
            self.save()

    def add_doc_postings(self, fieldname, docnum, items):
        """``items``: (btext, freq, weight, vbytes) of one field of one doc."""
        fg = self.groups.get(fieldname)
        if fg is None:
            self.fieldnames.add(fieldname)
            fg = self.groups[fieldname] = {}
        get = fg.get
        for tb, _f, w, vb in items:
            lst = get(tb)
            if lst is None:
                fg[tb] = [(docnum, w, vb)]
            else:
                lst.append((docnum, w, vb))
        self.currentsize += 120 * len(items)
        if self.currentsize > self.limit:
            self.save()

    # -- reading -------------------------------------------------------------

    def _memory_groups(self):
        unordered = self._unordered
        for fieldname in sorted(self.groups):
            fg = self.groups[fieldname]
            for btext in sorted(fg):
                lst = fg[btext]
                if unordered:
                    lst.sort(key=_first)
                yield fieldname, btext, lst

    def save(self):
        if not self.groups:
            return
        path, f = self._new_run()
        self._write_groups(f, self._memory_groups())
        self.runs.append(path)
        self.groups = {}
        self.currentsize = 0

    def _write_groups(self, f, groups):
        dump = pickle.dump
        chunk, n = [], 0
        for g in groups:
            chunk.append(g)
            n += len(g[2])
            if n >= _CHUNK:
                dump(chunk, f, 5)
                chunk, n = [], 0
        if chunk:
            dump(chunk, f, 5)
        f.close()

    def _read_groups(self, path):
        f = self._open_run(path)
        load = pickle.load
        try:
            while True:
                try:
                    chunk = load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)

    def _merge_groups(self, paths):
        # runs are in docnum order, so concatenating a term's lists in run
        # order keeps them sorted
        def keyed(i, path):
            for fieldname, btext, lst in self._read_groups(path):
                yield (fieldname, btext), i, lst

        cur_key, cur = None, None
        for key, _i, lst in heapq.merge(*(keyed(i, p) for i, p in enumerate(paths))):
            if key != cur_key:
                if cur_key is not None:
                    yield cur_key[0], cur_key[1], cur
                cur_key, cur = key, list(lst)
            else:
                cur.extend(lst)
        if cur_key is not None:
            yield cur_key[0], cur_key[1], cur

    def iter_postings(self):
        if not self.runs:
            return GroupedPostings(self._memory_groups())
        self.save()
        runs, self.runs = self.runs, []
        return GroupedPostings(self._merge_groups(runs))

    def items(self, maxfiles=128):
        return iter(self.iter_postings())

    def reduce_to(self, target, k):
        while len(self.runs) > target:
            tomerge = [self.runs.pop() for _ in range(min(k, len(self.runs)))]
            tomerge.reverse()
            path, f = self._new_run()
            self._write_groups(f, self._merge_groups(tomerge))
            self.runs.insert(0, path)

    def _read_run(self, path):
        for fieldname, btext, lst in self._read_groups(path):
            for docnum, weight, vbytes in lst:
                yield (fieldname, btext, docnum, weight, vbytes)


def _use_lean_pool(writer, limitmb):
    writer.pool = CouncilPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)


class CouncilSegmentWriter(SegmentWriter):
    def __init__(self, ix, limitmb=128, **kwargs):
        SegmentWriter.__init__(self, ix, limitmb=limitmb, **kwargs)
        _use_lean_pool(self, limitmb)

    def add_document(self, **fields):
        # Same contract as SegmentWriter.add_document for this package's
        # schema (no term vectors, no separate spelling fields).
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                if fieldname.startswith("_"):
                    continue
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    items = field.index(value)
                    if items:
                        if not isinstance(items, list):
                            items = list(items)
                        pool.add_doc_postings(fieldname, docnum, items)
                        if field.scorable:
                            length = sum(map(_second, items))
                perdocwriter.add_field(fieldname, field,
                                       value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1


class CouncilSubWriterTask(SubWriterTask):
    def run(self):
        # SubWriterTask.run with CouncilSegmentWriter instead of SegmentWriter.
        jobqueue = self.jobqueue
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = CouncilSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
        else:
            if self.multisegment:
                runname = None
                fieldnames = writer.pool.fieldnames
                segment = writer._finalize_segment()
            else:
                runname, fieldnames, segment = finish_subsegment(
                    writer, self.kwargs.get("k", 64))
            self.resultqueue.put((runname, fieldnames, segment), timeout=60)


class CouncilMpWriter(MpWriter):
    def __init__(self, ix, procs=None, batchsize=100, subargs=None, multisegment=False,
                 **kwargs):
        MpWriter.__init__(self, ix, procs=procs, batchsize=batchsize, subargs=subargs,
                          multisegment=multisegment, **kwargs)
        _use_lean_pool(self, kwargs.get("limitmb", 128))

    def _new_task(self):
        task = CouncilSubWriterTask(self.storage, self.indexname, self.jobqueue,
                                    self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
