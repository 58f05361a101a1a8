"""The Whoosh W3 codec, written with less overhead (same on-disk format).

* Posting blocks and inlined postings are pickled with protocol 5.  W3 uses
  protocol 2, which has no opcode for ``bytes`` on Python 3: every posting's
  positions value became a ``_codecs.encode`` call, ~3x larger and ~10x
  slower to load.  The stock W3 reader ``loads()`` any protocol.
* Single-posting terms are inlined into the term table (W3's writer calls a
  ``set_inline`` method its TermInfo lacks, so it never inlines).
* zlib streams are set up with a small window (``fast_compress``); stored
  fields are written uncompressed-in-zlib (level 0).
* Postings arrive grouped per term (writing.GroupedPostings) and fill whole
  blocks at once; each field's length column is read once per flush instead
  of once per posting.
* 512 postings per block (W3: 128): the numpy engine decodes whole lists.

The codec object is stored (pickled) in the index TOC, so this class must stay
importable as ``index.codec.CouncilCodec``.
"""

from __future__ import annotations

import pickle
import zlib

from whoosh import columns
from whoosh.codec.whoosh3 import (WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter,
                                  W3PerDocWriter, W3PostingsWriter, W3TermInfo)
from whoosh.system import pack_int, pack_long
from whoosh.util.numeric import length_to_byte

_PROTO = 5


def fast_compress(data: bytes, level: int = 1) -> bytes:
    """zlib stream with a small window: ~5x cheaper to set up than
    ``zlib.compress`` for the small values written here (posting blocks,
    stored fields), same size, and readable by plain ``zlib.decompress``."""
    c = zlib.compressobj(level, zlib.DEFLATED, 12, 4)
    return c.compress(data) + c.flush()


class _FastCompressedWriter(columns.CompressedBytesColumn.Writer):
    # Stored segment data is mostly packed word times and short text: deflate
    # saves ~17% for ~20x the CPU, so store (level 0) - still a zlib stream,
    # as the stock W3 reader expects.
    def __init__(self, dbfile):
        columns.VarBytesColumn.Writer.__init__(self, dbfile)
        self._level = 0
        self._compress = fast_compress


class FastCompressedBytesColumn(columns.CompressedBytesColumn):
    def writer(self, dbfile):
        return _FastCompressedWriter(dbfile)


_FAST_STORED_COLUMN = columns.PickleColumn(FastCompressedBytesColumn())


class CouncilPerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        if fieldname == "_stored":
            column = _FAST_STORED_COLUMN   # same on-disk format, cheaper writes
        W3PerDocWriter._create_column(self, fieldname, column)


class CouncilTermInfo(W3TermInfo):
    # W3PostingsWriter.finish_postings calls ``set_inline`` but W3TermInfo
    # only defines ``set_inlined``, so stock Whoosh never inlines postings.
    def set_inline(self, ids, weights, values):
        self._inlined = (tuple(ids), tuple(weights), tuple(values) if values else None)

    def to_bytes(self):
        isinlined = self.is_inlined()
        minlength = 0 if self._minlength is None else length_to_byte(self._minlength)
        maxlength = length_to_byte(self._maxlength)
        minid = 0xFFFFFFFF if self._minid is None else self._minid
        maxid = 0xFFFFFFFF if self._maxid is None else self._maxid
        st = self._struct.pack(isinlined, self._weight, self._df, minlength,
                               maxlength, self._maxweight, minid, maxid)
        if isinlined:
            postbytes = pickle.dumps(self._inlined, _PROTO)
        else:
            postbytes = pack_long(self._offset) + pack_int(self._length)
        return st + postbytes


class CouncilPostingsWriter(W3PostingsWriter):
    def start_postings(self, format_, terminfo):
        W3PostingsWriter.start_postings(self, format_, CouncilTermInfo())

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
            minlength = self._minlength
            if minlength is None or length < minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def _write_block(self, last=False):
        # Same as W3PostingsWriter._write_block, with a modern pickle protocol.
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data = (self._mini_ids(), self._mini_weights(), self._mini_values())
        databytes = pickle.dumps(data, _PROTO)
        comp = self._compression if len(databytes) >= 64 else 0
        if comp:
            databytes = fast_compress(databytes, comp)
        ids = self._ids
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp,
                                  length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), _PROTO)
        postfile = self._postfile
        blocklength = len(infobytes) + len(databytes)
        if last:
            blocklength *= -1
        postfile.write_int(blocklength)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()


class CouncilCodec(W3Codec):
    def __init__(self, blocklimit=512, compression=1, inlinelimit=2):
        # blocklimit=512 (W3 default 128): the numpy engine decodes whole
        # posting lists, and per-block overhead dominated (phrases ~35% faster)
        # inlinelimit=2: single-posting terms live in the term table
        W3Codec.__init__(self, blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    def field_writer(self, storage, segment):
        return CouncilFieldWriter(self, storage, segment)

    def per_document_writer(self, storage, segment):
        return CouncilPerDocWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return CouncilPostingsWriter(dbfile, blocklimit=self._blocklimit,
                                     byteids=byteids,
                                     compression=self._compression,
                                     inlinelimit=self._inlinelimit)


# --------------------------------------------------------------------------
# Faster posting writing: no per-posting asserts, lengths read once per field.

_BYTE_TO_LENGTH = None


def _length_table(lengths, fieldname, fieldobj):
    """Per-docnum field lengths for a scorable field (None otherwise)."""
    global _BYTE_TO_LENGTH
    if lengths is None or not fieldobj.scorable:
        return None
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length
    if _BYTE_TO_LENGTH is None:
        _BYTE_TO_LENGTH = [byte_to_length(i) for i in range(256)]
    n = lengths.doc_count_all()
    try:
        reader = lengths._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return [0] * (n + 1)
        count = min(reader._count, n)
        raw = reader._dbfile.get(reader._basepos, count)
        table = _BYTE_TO_LENGTH
        out = [table[b] for b in raw]
        out.extend([0] * (n + 1 - len(out)))
        return out
    except AttributeError:
        dfl = lengths.doc_field_length
        return [dfl(d, fieldname) for d in range(n)] + [0]


class CouncilFieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        if hasattr(items, "groups"):
            return self._add_grouped(schema, lengths, items.groups())
        return self._add_flat(schema, lengths, items)

    def _add_grouped(self, schema, lengths, groups):
        """Postings grouped per term (writing.GroupedPostings): fill whole
        blocks with C-level list operations instead of one call per posting."""
        blocklimit = self._codec._blocklimit
        lastfn = None
        lens = None
        for fieldname, btext, lst in groups:
            if fieldname != lastfn:
                if lastfn is not None:
                    self.finish_field()
                fieldobj = schema[fieldname]
                self.start_field(fieldname, fieldobj)
                lens = _length_table(lengths, fieldname, fieldobj)
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
                if vs[0]:
                    pw._values.extend(vs)
                else:
                    pw._values.extend(v for v in vs if v)
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
        start_field = self.start_field
        start_term = self.start_term
        finish_term = self.finish_term
        finish_field = self.finish_field
        lastfn = None
        lasttext = None
        lens = None
        pw = ids = None
        blocklimit = self._codec._blocklimit
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lasttext is not None:
                    finish_term()
                if lastfn is not None:
                    finish_field()
                fieldobj = schema[fieldname]
                start_field(fieldname, fieldobj)
                lens = _length_table(lengths, fieldname, fieldobj)
                lastfn = fieldname
                lasttext = None
            if docnum == -1:
                continue
            if btext != lasttext:
                if lasttext is not None:
                    finish_term()
                start_term(btext)
                lasttext = btext
                pw = self._postwriter
                ids = pw._ids
            # inlined CouncilPostingsWriter.add_posting
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
            finish_term()
        if lastfn is not None:
            finish_field()
