"""The write side of the fence: Whoosh's W3 format and segment writer with
less Python overhead (same on-disk format, read by the stock W3 reader).

``docs/benchmarks.md`` ("Write side") measures what this pays against the
stock ``SegmentWriter`` and ``W3Codec``'s public parameters.

* :class:`CouncilCodec`: posting blocks and inlined postings pickled with
  protocol 5 (W3's protocol 2 turns every ``bytes`` positions value into a
  ``_codecs.encode`` call: ~3x larger, ~10x slower to load); single-posting
  terms inlined (works around the 2.7.5 ``set_inline`` bug); small-window
  zlib streams; stored fields stored uncompressed-in-zlib; the posting loop
  without per-posting asserts, reading each field's length column once.
  The codec object is pickled in the index TOC: it must stay importable as
  ``index._whoosh_internals.write.CouncilCodec``.
* :class:`CouncilSegmentWriter` / :class:`CouncilPool`: postings grouped per
  term as documents arrive (no sort of every posting tuple), runs spilled as
  pickled chunks of term groups (protocol 5), whole blocks filled at once.
"""

from __future__ import annotations

import heapq
import pickle
import zlib
from operator import itemgetter

from whoosh import columns
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3Codec,
                                  W3FieldWriter, W3PerDocWriter, W3PostingsWriter,
                                  W3TermInfo, _lenfield)
from whoosh.system import pack_int, pack_long
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import PostingPool, SegmentWriter

_CHUNK = 20000
_first = itemgetter(0)
_second = itemgetter(1)


_PROTO = 5


def fast_compress(data: bytes, level: int = 1) -> bytes:
    """zlib stream with a small window: ~5x cheaper to set up than
    ``zlib.compress`` for small values, readable by ``zlib.decompress``."""
    c = zlib.compressobj(level, zlib.DEFLATED, 12, 4)
    return c.compress(data) + c.flush()


class _StoredColumnWriter(columns.CompressedBytesColumn.Writer):
    # stored segment data is mostly packed word times and short text: deflate
    # saved ~17% for ~20x the CPU, so store (level 0) - still a zlib stream
    def __init__(self, dbfile):
        columns.VarBytesColumn.Writer.__init__(self, dbfile)
        self._level = 0
        self._compress = fast_compress


class _StoredColumn(columns.CompressedBytesColumn):
    def writer(self, dbfile):
        return _StoredColumnWriter(dbfile)


_STORED_COLUMN = columns.PickleColumn(_StoredColumn())


class _PerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        if fieldname == "_stored":
            column = _STORED_COLUMN
        W3PerDocWriter._create_column(self, fieldname, column)


class _TermInfo(W3TermInfo):
    def set_inline(self, ids, weights, values):     # the 2.7.5 bug: see above
        self._inlined = (tuple(ids), tuple(weights), tuple(values) if values else None)

    def to_bytes(self):
        # W3TermInfo.to_bytes with protocol-5 pickles
        isinlined = self.is_inlined()
        minlength = 0 if self._minlength is None else length_to_byte(self._minlength)
        maxlength = length_to_byte(self._maxlength)
        minid = 0xFFFFFFFF if self._minid is None else self._minid
        maxid = 0xFFFFFFFF if self._maxid is None else self._maxid
        st = self._struct.pack(isinlined, self._weight, self._df, minlength,
                               maxlength, self._maxweight, minid, maxid)
        if isinlined:
            return st + pickle.dumps(self._inlined, _PROTO)
        return st + pack_long(self._offset) + pack_int(self._length)


class _PostingsWriter(W3PostingsWriter):
    def start_postings(self, format_, terminfo):
        W3PostingsWriter.start_postings(self, format_, _TermInfo())

    def add_posting(self, id_, weight, vbytes, length=None):
        # W3PostingsWriter.add_posting without the per-posting type asserts
        ids = self._ids
        if len(ids) >= self._blocklimit:
            self._write_block()
            ids = self._ids
        ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def _write_block(self, last=False):
        # W3PostingsWriter._write_block with protocol-5 pickles
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        databytes = pickle.dumps((self._mini_ids(), self._mini_weights(),
                                  self._mini_values()), _PROTO)
        comp = self._compression if len(databytes) >= 64 else 0
        if comp:
            databytes = fast_compress(databytes, comp)
        infobytes = pickle.dumps((len(self._ids), self._ids[-1], self._maxweight, comp,
                                  length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), _PROTO)
        blocklength = len(infobytes) + len(databytes)
        self._postfile.write_int(-blocklength if last else blocklength)
        self._postfile.write(infobytes)
        self._postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


_INT_LENGTH_OF_BYTE = [byte_to_length(i) for i in range(256)]


def perdoc_length_bytes(perdoc, fieldname: str, n: int):
    """Per-doc length bytes (``n`` long, zero-padded) from a per-document
    reader's length column, or None when the field has none."""
    cr = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if cr is None:
        return None
    count = min(cr._count, n)
    return cr._dbfile.get(cr._basepos, count) + bytes(n - count)


def _length_list(lengths, fieldname, fieldobj):
    if lengths is None or not fieldobj.scorable:
        return None
    n = lengths.doc_count_all()
    raw = perdoc_length_bytes(lengths, fieldname, n + 1)
    if raw is None:
        return [0] * (n + 1)
    table = _INT_LENGTH_OF_BYTE
    return [table[b] for b in raw]


class _FieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        if isinstance(items, GroupedPostings):
            return self._add_grouped(schema, lengths, items.groups())
        return self._add_flat(schema, lengths, items)

    def _add_grouped(self, schema, lengths, groups):
        """Postings grouped per term: fill whole blocks with C-level list
        operations instead of one step per posting."""
        blocklimit = self._codec._blocklimit
        lastfn = lens = None
        for fieldname, btext, lst in groups:
            if fieldname != lastfn:
                if lastfn is not None:
                    self.finish_field()
                fieldobj = schema[fieldname]
                self.start_field(fieldname, fieldobj)
                lens = _length_list(lengths, fieldname, fieldobj)
                lastfn = fieldname
            self.start_term(btext)
            pw = self._postwriter
            n = len(lst)
            for i in range(0, n, blocklimit):
                if i:
                    pw._write_block()
                chunk = lst[i:i + blocklimit] if n > blocklimit else lst
                ids, ws, vs = zip(*chunk)
                pw._ids.extend(ids)
                pw._weights.extend(ws)
                pw._values.extend(vs if vs[0] else (v for v in vs if v))
                mw = max(ws)
                if mw > pw._maxweight:
                    pw._maxweight = mw
                if lens is not None:
                    ls = [lens[d] for d in ids]
                    mn, mx = min(ls), max(ls)
                    if mn and (pw._minlength is None or mn < pw._minlength):
                        pw._minlength = mn
                    if mx > pw._maxlength:
                        pw._maxlength = mx
            self.finish_term()
        if lastfn is not None:
            self.finish_field()

    def _add_flat(self, schema, lengths, items):
        # W3FieldWriter.add_postings with _PostingsWriter.add inlined and each
        # field's length column read once (not once per posting)
        lastfn = lasttext = lens = pw = ids = None
        blocklimit = self._codec._blocklimit
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                fieldobj = schema[fieldname]
                self.start_field(fieldname, fieldobj)
                lens = _length_list(lengths, fieldname, fieldobj)
                lastfn, lasttext = fieldname, None
            if docnum == -1:
                continue
            if btext != lasttext:
                if lasttext is not None:
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
                pw = self._postwriter
                ids = pw._ids
            if len(ids) >= blocklimit:
                pw._write_block()
                ids = pw._ids
            ids.append(docnum)
            pw._weights.append(weight)
            if weight > pw._maxweight:
                pw._maxweight = weight
            if value:
                pw._values.append(value)
            if lens is not None:
                length = lens[docnum]
                if length:
                    if pw._minlength is None or length < pw._minlength:
                        pw._minlength = length
                    if length > pw._maxlength:
                        pw._maxlength = length
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


class CouncilCodec(W3Codec):
    """W3 on-disk format, protocol-5 pickles, single postings inlined, 512
    postings per block (W3: 128; the numpy engine decodes whole lists)."""

    def __init__(self, blocklimit=512, compression=1, inlinelimit=2):
        W3Codec.__init__(self, blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def per_document_writer(self, storage, segment):
        return _PerDocWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression,
                               inlinelimit=self._inlinelimit)


# --------------------------------------------------------------------------
# Segment writer: postings grouped per term as documents arrive


class GroupedPostings:
    """Sorted postings grouped by term: ``groups()`` yields ``(fieldname,
    btext, [(docnum, weight, vbytes), ...])``; iterating gives Whoosh's
    ``(fieldname, btext, docnum, weight, vbytes)`` tuples."""

    def __init__(self, groups):
        self._groups = groups

    def groups(self):
        return self._groups

    def __iter__(self):
        for fieldname, btext, lst in self._groups:
            for docnum, weight, vbytes in lst:
                yield (fieldname, btext, docnum, weight, vbytes)


class CouncilPool(PostingPool):
    """Posting pool grouping postings by term.  Documents arrive in docnum
    order, so each term's list is already sorted: a flush sorts the distinct
    terms, not every posting (Whoosh's PostingPool).  Runs spill to disk as
    pickled chunks of whole term groups."""

    def __init__(self, tempstore, segment, limitmb=128, **kwargs):
        PostingPool.__init__(self, tempstore, segment, limitmb=limitmb, **kwargs)
        self.groups: dict[str, dict[bytes, list]] = {}
        self._unordered = False

    def add(self, item):
        # one posting (segment merges); documents use add_doc_postings
        fieldname, btext, docnum, weight, vbytes = item
        self.fieldnames.add(fieldname)
        lst = self.groups.setdefault(fieldname, {}).get(btext)
        if lst is None:
            self.groups[fieldname][btext] = [(docnum, weight, vbytes)]
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
        dump = pickle.dump
        chunk, n = [], 0
        for g in self._memory_groups():
            chunk.append(g)
            n += len(g[2])
            if n >= _CHUNK:
                dump(chunk, f, _PROTO)
                chunk, n = [], 0
        if chunk:
            dump(chunk, f, _PROTO)
        f.close()
        self.runs.append(path)
        self.groups = {}
        self.currentsize = 0

    def _read_groups(self, path):
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)

    def _merge_groups(self, paths):
        # runs are in docnum order: a term's lists concatenated in run order
        # stay sorted
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


class CouncilSegmentWriter(SegmentWriter):
    """SegmentWriter with a CouncilPool; ``add_document`` hands each field's
    postings to the pool at once."""

    def __init__(self, ix, limitmb=128, **kwargs):
        SegmentWriter.__init__(self, ix, limitmb=limitmb, **kwargs)
        self.pool = CouncilPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def add_document(self, **fields):
        # SegmentWriter.add_document for this package's schemas (no term
        # vectors, no separate spelling fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if fieldname.startswith("_") or value is None:
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
                if field.column_type:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
