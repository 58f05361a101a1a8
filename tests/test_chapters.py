"""Chapters: agenda items aligned to the transcript, automatic chapters without an agenda,
hand-set starts kept through re-alignment, the JSON contract; the demo meeting end to end."""

from __future__ import annotations

import json

import pytest

from archive.agenda import parse_agenda
from archive.chapters import AgendaMismatch, align, automatic
from archive.cli import main
from meetings import agenda_lines, meeting, silent_media, within, write_agenda, write_srt

CHAPTER_KEYS = ["item", "title", "start", "end", "confidence", "automatic"]


def run(capsys, *args) -> tuple[int, str, list[str]]:
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


def segments(m) -> list[dict]:
    return [{"start": a, "end": b, "text": t} for a, b, t in m.cues]


def test_items_align_within_ten_seconds_in_agenda_order():
    found = total = 0
    for seed in range(12):
        m = meeting(seed)
        chapters = align(parse_agenda(agenda_lines(m.items)).items, segments(m), m.duration)
        assert [c.item for c in chapters] == [n for n, _ in m.items]
        placed = [c.start for c in chapters if c.start is not None]
        assert placed == sorted(placed)  # the agenda's order
        found += sum(within(c.start, t) for c, t in zip(chapters, m.starts))
        total += len(m.items)
        for c in chapters:
            assert (c.start is None) == (c.end is None) and 0 <= c.confidence <= 1
    assert found / total >= 0.9, f"{found} of {total}"


def test_another_meetings_agenda_is_refused():
    m = meeting(2)
    other = parse_agenda(["1. Cemetery plot fees", "2. Snow removal contract", "3. Animal shelter volunteers",
                          "4. Bicycle lane striping", "5. Senior center lunch program"]).items
    with pytest.raises(AgendaMismatch, match="does not match this recording"):
        align(other, segments(m), m.duration)


def test_without_an_agenda_chapters_come_from_cues_and_are_marked_automatic():
    m = meeting(4)
    chapters = automatic(segments(m), m.duration)
    assert chapters and all(c.automatic for c in chapters)
    assert chapters[0].title == "Call to order" and chapters[-1].title == "Adjournment"
    assert sum(any(within(c.start, t) for c in chapters) for t in m.starts) >= len(m.starts) // 2
    assert [c.end for c in chapters[:-1]] == [c.start for c in chapters[1:]]


@pytest.fixture(scope="module")
def captioned(tmp_path_factory):
    """A captioned meeting imported without an agenda (automatic chapters) and its agenda file."""
    folder = tmp_path_factory.mktemp("chapters")
    m = meeting(7)
    media = silent_media(folder / "meeting.opus", m.duration)
    archive = folder / "archive"
    assert main(["--archive", str(archive), "import", "--no-speakers", str(media), "--captions",
                 str(write_srt(folder / "captions.srt", m.cues))]) == 0
    return archive, m, write_agenda(folder / "agenda.md", m.items)


def test_chapters_json_contract_and_hand_set_starts(captioned, capsys):
    archive, m, agenda = captioned
    code, out, err = run(capsys, "--archive", archive, "chapters", 1, "--json")
    auto = json.loads(out)
    assert code == 0 and auto and all(list(c) == CHAPTER_KEYS and c["automatic"] for c in auto)
    code, out, err = run(capsys, "--archive", archive, "chapters", 1)
    assert out.startswith("automatic chapters")

    assert run(capsys, "--archive", archive, "agenda", 1, agenda)[0] == 0
    chapters = json.loads(run(capsys, "--archive", archive, "chapters", 1, "--json")[1])
    assert [c["item"] for c in chapters] == [n for n, _ in m.items] and not any(c["automatic"] for c in chapters)
    assert all(list(c) == CHAPTER_KEYS for c in chapters)
    assert [c["start"] for c in chapters] == sorted(c["start"] for c in chapters)
    assert all(a["end"] == b["start"] for a, b in zip(chapters, chapters[1:]))

    item = m.items[2][0]
    hand = round(m.starts[2] + 4.0, 2)
    code, out, err = run(capsys, "--archive", archive, "chapters", "set", 1, item, hand)
    assert code == 0 and f"item {item}" in out
    again = json.loads(run(capsys, "--archive", archive, "chapters", 1, "--json")[1])
    assert again[2]["start"] == hand and again[2]["confidence"] == 1.0 and again[1]["end"] == hand

    assert run(capsys, "--archive", archive, "agenda", 1, agenda)[0] == 0  # aligning again keeps the hand-set start
    kept = json.loads(run(capsys, "--archive", archive, "chapters", 1, "--json")[1])
    assert kept[2]["start"] == hand and kept == again
    assert "(set by hand)" in run(capsys, "--archive", archive, "chapters", 1)[1]


def test_chapters_set_refuses_what_cannot_work(captioned, capsys):
    archive, m, _ = captioned
    before = run(capsys, "--archive", archive, "chapters", 1, "--json")[1]
    cases = [
        (("chapters", "set", 1, "99", 10), 1, "has no item '99'"),
        (("chapters", "set", 1, m.items[0][0], 999999), 1, "is outside the recording"),
        (("chapters", "set", 1, m.items[0][0], "soon"), 2, "not a time"),
        (("chapters", "set", 1, m.items[0][0]), 2, "usage: council-archive chapters set"),
        (("chapters", "7"), 1, "no recording 7"),
        (("votes", "7"), 1, "no recording 7"),
    ]
    for args, expected, text in cases:
        code, out, err = run(capsys, "--archive", archive, *args)
        assert (code, out, len(err)) == (expected, "", 1) and text in err[0], (args, err)
    assert run(capsys, "--archive", archive, "chapters", 1, "--json")[1] == before


def test_the_demo_meeting_end_to_end(archive_copy, demo, tmp_path, capsys):
    """The real recording, transcribed by Whisper: automatic chapters at import, then its agenda."""
    lines = demo["lines"]
    said = {k: next(line["start"] for line in lines if k in line["text"]) for k in
            ("come to order", "first item", "public comment", "adjourned")}
    auto = json.loads(run(capsys, "--archive", archive_copy, "chapters", 1, "--json")[1])
    assert auto and all(c["automatic"] for c in auto)
    assert sum(any(within(c["start"], t) for c in auto) for t in said.values()) >= 3
    agenda = tmp_path / "agenda.txt"
    agenda.write_text("RIVERTON CITY COUNCIL\n1. Call to order\n2. Regional camera program\n3. Public comment\n"
                      "4. Adjournment\n")
    assert run(capsys, "--archive", archive_copy, "agenda", 1, agenda)[0] == 0
    chapters = json.loads(run(capsys, "--archive", archive_copy, "chapters", 1, "--json")[1])
    starts = {c["item"]: c["start"] for c in chapters}
    truth = dict(zip("1234", said.values()))
    assert sum(within(starts.get(k), t) for k, t in truth.items()) >= 3, (starts, truth)
    for vote in json.loads(run(capsys, "--archive", archive_copy, "votes", 1, "--json")[1]):
        assert vote["result"] in ("carried", None)  # "approved by a vote of two to one"
        assert vote["yes"] in (2, None) and vote["no"] in (1, None)


def test_agenda_chapters_and_votes_travel_in_a_bundle(captioned, tmp_path, capsys):
    archive, m, agenda = captioned
    assert run(capsys, "--archive", archive, "agenda", 1, agenda)[0] == 0
    assert run(capsys, "--archive", archive, "chapters", "set", 1, m.items[1][0], m.starts[1] + 3)[0] == 0
    chapters = run(capsys, "--archive", archive, "chapters", 1, "--json")[1]
    votes = run(capsys, "--archive", archive, "votes", 1, "--json")[1]
    assert run(capsys, "--archive", archive, "bundle", 1, "-o", tmp_path / "m.cabundle")[0] == 0
    other = tmp_path / "other"
    assert run(capsys, "--archive", other, "import", tmp_path / "m.cabundle")[0] == 0
    assert run(capsys, "--archive", other, "chapters", 1, "--json")[1] == chapters
    assert run(capsys, "--archive", other, "votes", 1, "--json")[1] == votes
    assert "(set by hand)" in run(capsys, "--archive", other, "chapters", 1)[1]
    from archive.store import Archive
    from archive import chapter_rows

    with Archive(other) as restored:
        assert [i.title for i in chapter_rows.agenda(restored.db, 1).items] == [t for _, t in m.items]


def test_search_by_item_and_chapter_with_hits_labelled_and_a_chapter_facet(captioned, capsys):
    archive, m, agenda = captioned
    assert run(capsys, "--archive", archive, "agenda", 1, agenda)[0] == 0
    from archive import chaptering
    from archive.search import SearchRequest, search
    from archive.store import Archive

    number, title = m.items[3]
    with Archive(archive) as a:
        chapters = {c.item: c for c in chaptering.chapters(a, 1)}
        everything = search(a, SearchRequest(query="the", limit=1000, facets=True))
        inside = search(a, SearchRequest(query=f"item:{number} the", limit=1000))
        by_title = search(a, SearchRequest(query=f'chapter:"{title.split()[0]}" the', limit=1000))
    chapter = chapters[number]
    assert inside.total and all(chapter.start <= h.segment_start < chapter.end for h in inside.hits)
    assert all(h.chapter == f"{number}. {title}" for h in inside.hits)
    assert {h.segment_id for h in by_title.hits} >= {h.segment_id for h in inside.hits}
    assert everything.facets["chapter"][f"{number}. {title}"] == inside.total
    code, out, err = run(capsys, "--archive", archive, "search", f"item:{number} the")
    assert code == 0 and f"[{number}. {title}]" in out
