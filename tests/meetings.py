"""Synthetic council meetings whose agenda items start at known times, for the chapter and
vote tests and bench/chapters.py: captions (what the import indexes instead of
transcribing), the agenda in each format the archive reads (plain text, Markdown, DOCX,
a PDF with a text layer written here), and the true item starts and votes.

``meeting(seed)`` varies the way the chair takes up an item (number, title, "next item",
both, the title only later in a sentence), the talk between items (with words of other
items' titles) and the votes (counts said, roll calls, voice votes, votes never read out).
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "thirteen", "fourteen", "fifteen"]

TOPICS = [
    ("Secure Communities resolution", ["federal immigration detainers", "police cooperation", "the sheriff"]),
    ("Casino traffic study", ["weekend congestion", "the consultant", "turn lanes"]),
    ("Harbor Street sidewalk repair", ["broken pavement", "the winter ice", "curb ramps"]),
    ("Library weekend hours", ["Sunday opening", "the branch staff", "study rooms"]),
    ("Water rate increase", ["the treatment plant", "monthly bills", "pipe replacement"]),
    ("Regional license plate camera program", ["stolen cars", "data sharing", "the contract"]),
    ("Zoning variance for Elm Avenue duplex", ["the neighbors", "setback rules", "parking spaces"]),
    ("Parks department budget amendment", ["playground equipment", "the pool", "summer programs"]),
    ("Downtown parking meter rates", ["the merchants", "two hours free", "enforcement"]),
    ("Affordable housing trust fund", ["the developer fees", "rental assistance", "the waiting list"]),
    ("Fire station roof replacement bid", ["the lowest bidder", "leaks", "the warranty"]),
    ("Tree planting ordinance", ["shade canopy", "street trees", "the nursery"]),
]
FILLER = ["Thank you, Madam Chair.", "I have a question for staff.", "Could you repeat the figure?",
          "We looked at this last year as well.", "I appreciate the work that went into this.",
          "Let me add one more point.", "I think we should hear from the public on this.",
          "That is a fair concern.", "Staff can answer that.", "The numbers are in the packet."]
MEMBERS = ["Walker", "Patel", "Morgan", "Nguyen", "Okafor", "Lindqvist", "Reyes"]


@dataclass
class Meeting:
    items: list[tuple[str, str]]  # (number, title) as the agenda lists them
    cues: list[tuple[float, float, str]]  # caption cues
    starts: list[float]  # when each item is taken up
    votes: list[dict] = field(default_factory=list)  # {"item", "result", "yes", "no", "start"} as said
    duration: float = 0.0


def _number_phrase(rng: random.Random, number: str) -> str:
    n = int(number)
    return rng.choice([f"item {NUMBER_WORDS[n]}", f"item number {NUMBER_WORDS[n]}", f"item {n}", f"number {n}"])


def _announce(rng: random.Random, number: str, title: str, first: bool) -> str:
    lowered = title[:1].lower() + title[1:]
    style = rng.randrange(7)
    if style == 5:  # part of the title only
        return f"Next we have the {' '.join(title.split()[:2]).lower()}."
    if style == 6:  # the cue split over two captions
        return f"Moving on to {_number_phrase(rng, number)},|the {lowered}."
    if style == 0:
        return f"{_number_phrase(rng, number).capitalize()}, the {lowered}."
    if style == 1:
        return f"The {'first' if first else 'next'} item on the agenda is the {lowered}."
    if style == 2:
        return f"Moving on to {_number_phrase(rng, number)}, the {lowered}."
    if style == 3:
        return f"We will now take up the {lowered}."
    return f"{_number_phrase(rng, number).capitalize()}. This is the {lowered}."


def _vote(rng: random.Random, members: list[str]) -> tuple[list[str], dict]:
    """The lines of one vote and what they say (None where nothing is said)."""
    size = len(members)
    yes = rng.randint(size // 2 + 1, size)
    no = size - yes
    kind = rng.randrange(5)
    lines = ["Is there a motion?", "So moved.", "Second.", "The clerk will take the vote."]
    if kind == 0:
        return lines + [f"{NUMBER_WORDS[yes].capitalize()} in favor, {NUMBER_WORDS[no]} opposed. The motion carries."], \
            {"result": "carried", "yes": yes, "no": no}
    if kind == 1:
        return lines + [f"The motion carries by a vote of {NUMBER_WORDS[yes]} to {NUMBER_WORDS[no]}."], \
            {"result": "carried", "yes": yes, "no": no}
    if kind == 2:  # a roll call
        order = rng.sample(members, size)
        votes = ["yes"] * yes + ["no"] * no
        rng.shuffle(votes)
        for name, vote in zip(order, votes):
            lines += [f"Council member {name}?", f"I vote {vote}." if rng.random() < 0.5 else f"{vote.capitalize()}."]
        return lines + ["The motion passes."], {"result": "carried", "yes": yes, "no": no}
    if kind == 3:  # a voice vote
        return lines[:3] + ["All in favor?", "Aye.", "Opposed?", "The ayes have it."], \
            {"result": "carried", "yes": None, "no": None}
    fail_yes = rng.randint(0, size // 2)
    return lines + [f"The motion fails, {NUMBER_WORDS[fail_yes]} to {NUMBER_WORDS[size - fail_yes]}."], \
        {"result": "failed", "yes": fail_yes, "no": size - fail_yes}


def meeting(seed: int, n_items: int = 6) -> Meeting:
    rng = random.Random(seed)
    topics = rng.sample(TOPICS, n_items)
    first_number = rng.choice([1, 3, 4])
    items = [(str(first_number + i), title) for i, (title, _) in enumerate(topics)]
    members = rng.sample(MEMBERS, rng.choice([5, 7]))
    cues: list[tuple[float, float, str]] = []
    t = 2.0

    def say(text: str) -> None:
        nonlocal t
        length = 2.0 + 0.35 * len(text.split())
        cues.append((round(t, 2), round(t + length, 2), text))
        t += length + rng.uniform(0.3, 2.5)

    say("Good evening. I call this meeting of the city council to order.")
    say("Please rise for the pledge.")
    t += rng.uniform(20, 40)
    starts, votes = [], []
    for k, ((number, title), (_, phrases)) in enumerate(zip(items, topics)):
        starts.append(round(t, 2))
        for part in _announce(rng, number, title, k == 0).split("|"):
            say(part)
        for _ in range(rng.randint(6, 14)):
            if rng.random() < 0.5:
                say(f"On {rng.choice(phrases)}, {rng.choice(FILLER)[:-1].lower()}.")
            else:
                say(rng.choice(FILLER))
            if rng.random() < 0.08 and k + 1 < n_items:  # a word of a later item's title, said early
                say(f"This also matters for the {topics[k + 1][0].split()[0].lower()} question later.")
            t += rng.uniform(0, 8)
        if rng.random() < 0.6:
            lines, said = _vote(rng, members)
            vote_start = round(t, 2)
            for line in lines:
                say(line)
            votes.append({"item": number, "start": vote_start, **said})
        t += rng.uniform(5, 30)
    say("There being no further business, the meeting is adjourned.")
    return Meeting(items, cues, starts, votes, duration=round(t + 5, 2))


# --- files ---------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path: Path, cues: list[tuple[float, float, str]]) -> Path:
    path.write_text("\n".join(f"{i}\n{_clock(a)} --> {_clock(b)}\n{text}\n" for i, (a, b, text) in
                              enumerate(cues, 1)), encoding="utf-8")
    return path


def agenda_lines(items: list[tuple[str, str]], header: bool = True) -> list[str]:
    lines = ["CITY COUNCIL - REGULAR MEETING", "Council Chambers, 7:00 p.m.", ""] if header else []
    for number, title in items:
        lines += [f"{number}. {title}", "    Staff report and possible action."]
    return lines


def write_agenda(path: Path, items: list[tuple[str, str]], *, word_numbering: bool = False) -> Path:
    """The agenda in the format of ``path``'s suffix: .txt, .md, .docx or .pdf (a DOCX
    with ``word_numbering`` numbers its list itself, 1, 2, 3..., not the items' numbers)."""
    fmt = path.suffix.lower()
    if fmt == ".txt":
        path.write_text("\n".join(agenda_lines(items)) + "\n", encoding="utf-8")
    elif fmt == ".md":
        path.write_text("# City Council Agenda\n\n" + "\n".join(f"{n}. **{t}**\n   - Staff report" for n, t in items)
                        + "\n", encoding="utf-8")
    elif fmt == ".docx":
        import docx

        document = docx.Document()
        document.add_heading("City Council Agenda", level=1)
        for number, title in items:
            if word_numbering:  # Word's own numbering: the numbers are not in the text
                document.add_paragraph(title, style="List Number")
            else:
                document.add_paragraph(f"{number}. {title}")
                document.add_paragraph("Staff report and possible action.")
        document.save(str(path))
    elif fmt == ".pdf":
        path.write_bytes(text_pdf(agenda_lines(items)))
    else:
        raise ValueError(fmt)
    return path


def text_pdf(lines: list[str], *, text_layer: bool = True) -> bytes:
    """A one-page PDF showing ``lines`` in Helvetica (``text_layer=False``: a page with only
    a drawn box, like a scan without text)."""
    def escape(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    if text_layer:
        body = "BT /F1 11 Tf 14 TL 56 760 Td " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    else:
        body = "0.5 g 56 56 480 700 re f"
    stream = zlib.compress(body.encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def encrypted_pdf(lines: list[str], password: str = "secret") -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf(lines))))
    writer.encrypt(password, algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def silent_media(path: Path, seconds: float) -> Path:
    """A quiet tone of ``seconds`` (captions carry the words)."""
    import subprocess

    from transcription.audio import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}",
                    "-ac", "1", "-ar", "16000", "-c:a", "libopus", "-b:a", "12k", str(path)], check=True)
    return path


def within(found: Optional[float], truth: float, tolerance: float = 10.0) -> bool:
    return found is not None and abs(found - truth) <= tolerance
