"""Lean Whoosh writers for bulk indexing of transcript segments.

Profiling a 10-hour build showed most time in per-posting Python overhead:
PostingPool.add (asserts, size arithmetic), run files pickled item by item
with protocol 2, and FieldWriter.add_postings looking up the document length
through the column reader for *every* posting.  These subclasses keep the
Whoosh on-disk format and semantics but:

* add a document's postings to the pool in one list extend;
* write/read sorted runs in pickled chunks (protocol 5);
* read each field's length column once per flush (codec.CouncilFieldWriter).

``CouncilMpWriter`` is Whoosh's multiprocessing writer wired to the same
classes (its sub-processes otherwise hard-code ``SegmentWriter``).
"""

from __future__ import annotations

import pickle
from itertools import islice
from operator import itemgetter

from whoosh.multiproc import MpWriter, SubWriterTask, finish_subsegment
from whoosh.writing import PostingPool, SegmentWriter

_CHUNK = 20000
_second = itemgetter(1)


class CouncilPool(PostingPool):
    def add(self, item):
        self.fieldnames.add(item[0])
        self.current.append(item)
        self.currentsize += 150 + len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()

    def add_many(self, fieldname, items, size):
        self.fieldnames.add(fieldname)
        self.current.extend(items)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def _write_run(self, f, items):
        it = iter(items)
        dump = pickle.dump
        while True:
            chunk = list(islice(it, _CHUNK))
            if not chunk:
                break
            dump(chunk, f, 5)
        f.close()

    def _read_run(self, path):
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
                        pool.add_many(fieldname,
                                      [(fieldname, tb, docnum, w, vb)
                                       for tb, _f, w, vb in items],
                                      190 * len(items))
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
