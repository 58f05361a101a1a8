"""A meeting's agenda (or minutes) read from a file: its items, in order.

:func:`read_agenda` takes plain text, Markdown, DOCX and PDF with a text layer and
returns an :class:`Agenda`; what it cannot use (an encrypted or image-only PDF, an empty
file, a file without recognisable items) raises :class:`AgendaError` with one line.

Items are numbered and lettered lines ("1.", "7.b", "Item 3", "A.") and, in a document
without numbered lines, its headings. The lines below an item, up to the next one, are
its sub-lines: kept in the item's text. Lines before the first item (the meeting's name,
place, date) are the preamble and no item.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transcription.errors import AudioError, printable
from transcription.inputs import read_input

log = logging.getLogger(__name__)

AGENDA_EXTENSIONS = (".txt", ".md", ".markdown", ".docx", ".pdf")
MAX_AGENDA_BYTES = 32 * 2**20
MAX_ITEMS = 500

# "7.", "7)", "7.b", "7.2", "Item 3:", "Item No. 3 -", "A.", "(b)"
_NUMBERED = re.compile(
    r"^\s*(?:(?:agenda\s+)?item\s+(?:no\.?\s*|number\s+|#\s*)?)?\(?"
    r"(?P<num>\d{1,3}(?:[.\-][0-9]{1,2}|[.\-]?[a-z])?|[A-Z])"
    r"(?:[.):\-]\s*|\s+[-\u2013\u2014:]\s*|\s+(?=[A-Z]))(?P<title>\S.*)$",
    re.IGNORECASE,
)
_ITEM_WORD = re.compile(r"^\s*(?:agenda\s+)?item\b", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SUB_LETTER = re.compile(r"^\s*\(?[a-z]\)?[.)]\s+\S")
_BULLET = re.compile(r"^\s*[-*+\u2022]\s+")
_MARKUP = re.compile(r"(\*\*|__|\*|`)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


class AgendaError(ValueError):
    """An agenda file the archive cannot use, in one line."""


@dataclass
class AgendaItem:
    number: str  # as written, without its trailing dot: "7", "7.b", "A"; "" for a heading
    title: str  # the item's first line
    text: str = ""  # the title and its sub-lines
    order: int = 0  # position in the agenda, from 0

    @property
    def main_number(self) -> str:
        """The number a chair says ("7" of "7.b"), lower-cased letters for lettered items."""
        m = re.match(r"\d+", self.number)
        return m.group(0).lstrip("0") or "0" if m else self.number.lower()

    @property
    def label(self) -> str:
        """What people read: "7.b" or, for a heading, its order from 1."""
        return self.number or str(self.order + 1)


@dataclass
class Agenda:
    items: list[AgendaItem]
    source: str = ""  # the file's name
    format: str = "txt"  # txt, md, docx or pdf
    preamble: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "format": self.format, "items": [asdict(i) for i in self.items]}


def read_agenda(path: str | Path) -> Agenda:
    """The agenda in ``path`` (raises :class:`AgendaError`)."""
    path = Path(path)
    fmt = _format(path)
    try:
        data = read_input(path, MAX_AGENDA_BYTES, "agendas")
    except AudioError as exc:  # missing, not a regular file, too large
        raise AgendaError(exc.message) from exc
    except OSError as exc:
        raise AgendaError(f"{printable(path)}: cannot read the agenda ({exc.strerror})") from exc
    name = printable(str(path))
    if not data.strip():
        raise AgendaError(f"{name}: the agenda file is empty")
    lines = {"pdf": _pdf_lines, "docx": _docx_lines}.get(fmt, _text_lines)(data, name)
    if not any(line.strip() for line in lines):
        raise AgendaError(f"{name}: the agenda file holds no text")
    agenda = parse_agenda(lines, markdown=fmt == "md")
    if not agenda.items:
        raise AgendaError(f"{name}: no agenda items found (expected numbered lines such as "
                          "'1. Call to order' or 'Item 3: Budget')")
    agenda.source, agenda.format = printable(path.name), fmt
    return agenda


def agenda_for(media: Path) -> Path | None:
    """An agenda next to the media with the same stem (``meeting.pdf`` for ``meeting.mp4``)."""
    for ext in AGENDA_EXTENSIONS:
        candidate = media.with_suffix(ext)
        if candidate != media and candidate.is_file():
            return candidate
    return None


def _format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".md", ".markdown"):
        return "md"
    if ext in (".docx", ".pdf"):
        return ext[1:]
    if ext in ("", ".txt", ".text"):
        return "txt"
    raise AgendaError(f"{printable(str(path))}: not an agenda format the archive reads "
                      "(plain text, Markdown, DOCX or PDF)")


def _text_lines(data: bytes, name: str) -> list[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data:
            raise AgendaError(f"{name}: not a text file") from None
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _docx_lines(data: bytes, name: str) -> list[str]:
    """Paragraphs in order (tables row by row); heading styles as Markdown headings and
    Word's own list numbering written out ("3. ...", sub-levels as "a. ...")."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise AgendaError(f"{name}: not a readable DOCX file ({exc})".splitlines()[0]) from exc
    lines: list[str] = []
    counters: dict[int, int] = {}
    for block in document.element.body.iterchildren():
        tag = block.tag.rpartition("}")[2]
        if tag == "tbl":
            for row in block.iter(f"{block.tag.rpartition('}')[0]}}}tr"):
                cells = ["".join(t.text or "" for t in c.iter() if t.tag.endswith("}t")) for c in row]
                lines.append("  ".join(c.strip() for c in cells if c.strip()))
            continue
        if tag != "p":
            continue
        paragraph = docx.text.paragraph.Paragraph(block, document)
        text = paragraph.text.strip()
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        level = _list_level(block)
        if level is None and style.lower().startswith("list number"):  # numbered by its style
            level = max(0, int(style[-1]) - 1) if style[-1:].isdigit() else 0
        if level is not None and text:
            counters[level] = counters.get(level, 0) + 1
            for deeper in [k for k in counters if k > level]:
                del counters[deeper]
            mark = str(counters[level]) if level == 0 else chr(ord("a") + (counters[level] - 1) % 26)
            lines.append(("" if level == 0 else "   ") + f"{mark}. {text}")
        elif style.lower().startswith("heading") or style.lower() == "title":
            digits = re.findall(r"\d", style)
            lines.append("#" * (int(digits[0]) if digits else 1) + " " + text)
        else:
            lines.append(text)
    return lines


def _list_level(paragraph) -> int | None:
    """The Word list level of a paragraph with automatic numbering, else None."""
    for node in paragraph.iter():
        if node.tag.endswith("}numPr"):
            for child in node:
                if child.tag.endswith("}ilvl"):
                    value = next((v for k, v in child.attrib.items() if k.endswith("}val")), "0")
                    return int(value) if value.isdigit() else 0
            return 0
    return None


def _pdf_lines(data: bytes, name: str) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise AgendaError(f"{name}: the PDF is encrypted (password protected); save an unprotected copy")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except AgendaError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, NotImplementedError) as exc:
        log.warning("reading the PDF agenda %s", name, exc_info=True)
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise AgendaError(f"{name}: the PDF is encrypted (password protected); save an unprotected copy") from exc
        raise AgendaError(f"{name}: not a readable PDF ({exc})".splitlines()[0]) from exc
    if not text.strip():
        raise AgendaError(f"{name}: the PDF has no text layer (a scanned image?); "
                          "give the agenda as text, Markdown, DOCX or a PDF with text")
    return text.split("\n")


def _clean(line: str, markdown: bool) -> str:
    line = printable(line.replace("\t", "    ")).rstrip()
    if markdown:
        line = _LINK.sub(r"\1", _MARKUP.sub("", line))
    return line


def parse_agenda(lines: list[str], *, markdown: bool = False) -> Agenda:
    """The items of an agenda's lines (an empty list when none is recognisable)."""
    cleaned = [_clean(line, markdown) for line in lines]
    numbered = [_numbered(_BULLET.sub("", line), line) for line in cleaned]
    use_headings = not any(n is not None for n in numbered)
    items: list[AgendaItem] = []
    preamble: list[str] = []
    body: list[list[str]] = []
    for line, found in zip(cleaned, numbered):
        heading = _HEADING.match(line.strip())
        if heading:
            found = _numbered(heading.group(2), heading.group(2))
            if found is None and use_headings and (len(heading.group(1)) > 1 or items):
                found = ("", heading.group(2))  # a top heading before any item is the title
            if found is None:  # a document title above numbered items: preamble
                (body[-1] if body else preamble).append(heading.group(2).strip())
                continue
        if found is not None and len(items) < MAX_ITEMS:
            number, title = found
            items.append(AgendaItem(number=number, title=title.strip(), order=len(items)))
            body.append([title.strip()])
        elif line.strip():
            (body[-1] if body else preamble).append(" ".join(_BULLET.sub("", line).split()))
    for item, text in zip(items, body):
        item.text = "\n".join(text)
    if use_headings and len(items) == 1 and not body[0][1:]:
        items = []  # one bare heading is a title, not an agenda
    return Agenda(items=items, preamble=preamble)


def _numbered(line: str, raw: str) -> tuple[str, str] | None:
    """(number, title) of an item line, else None. An indented lower-case letter line
    ("   a. Secure Communities") is a sub-line of the item above; so is a line that is
    only a sentence starting with a capital letter and a full stop ("A. Smith said")."""
    if _SUB_LETTER.match(raw) and raw[:1].isspace():
        return None
    m = _NUMBERED.match(line)
    if not m:
        return None
    number, title = m.group("num"), m.group("title").strip()
    if len(number) == 1 and number.isalpha() and not (_ITEM_WORD.match(line) or re.match(r"\s*\(?[A-Z][.)]\s", line)):
        return None
    if re.fullmatch(r"[\d.,:/\- ]+", title) or len(title) < 2:  # a time, a date, a page number
        return None
    if re.match(r"\d{1,2}:\d{2}", line.strip()):  # "7:00 p.m. ..." is a time
        return None
    return number.rstrip(".)"), title
