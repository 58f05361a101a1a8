"""Agendas read from plain text, Markdown, DOCX and PDF; bad agenda files refused in one
line with nothing changed; an agenda at import (--agenda, or beside the media)."""

from __future__ import annotations

import json

import pytest

from archive.agenda import AgendaError, parse_agenda, read_agenda
from archive.cli import main
from meetings import encrypted_pdf, meeting, silent_media, text_pdf, within, write_agenda, write_srt

FORMATS = (".txt", ".md", ".docx", ".pdf")


def run(capsys, *args) -> tuple[int, str, list[str]]:
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


@pytest.mark.parametrize("suffix", FORMATS)
def test_each_format_gives_the_agenda_items(tmp_path, suffix):
    m = meeting(3)
    agenda = read_agenda(write_agenda(tmp_path / f"agenda{suffix}", m.items))
    assert [(i.number, i.title) for i in agenda.items] == m.items
    assert agenda.format == suffix.lstrip(".")
    assert all("Staff report" in i.text for i in agenda.items)  # the sub-lines are kept with their item


def test_a_docx_list_numbered_by_word_itself(tmp_path):
    m = meeting(3)
    agenda = read_agenda(write_agenda(tmp_path / "agenda.docx", m.items, word_numbering=True))
    assert [(i.number, i.title) for i in agenda.items] == [(str(k), t) for k, (_, t) in enumerate(m.items, 1)]


def test_numbered_lettered_and_item_lines_with_their_sub_lines():
    agenda = parse_agenda("""RIVERTON CITY COUNCIL
Regular Meeting, March 3, 2026, 7:00 p.m.

1. Call to order
2) Roll call
Item 3: Regional camera program
   Discussion of the data sharing contract.
   a. Report from the police chief
   b. Possible action
7.b Secure Communities resolution
Item No. 9 - Casino traffic study
A. Adjournment""".split("\n"))
    assert [(i.number, i.title) for i in agenda.items] == [
        ("1", "Call to order"), ("2", "Roll call"), ("3", "Regional camera program"),
        ("7.b", "Secure Communities resolution"), ("9", "Casino traffic study"), ("A", "Adjournment")]
    assert agenda.items[2].text.splitlines()[1:] == ["Discussion of the data sharing contract.",
                                                     "a. Report from the police chief", "b. Possible action"]
    assert agenda.items[3].main_number == "7" and agenda.preamble[0] == "RIVERTON CITY COUNCIL"


def test_headings_are_items_when_nothing_is_numbered():
    agenda = parse_agenda("# Council agenda\n\n## Call to order\n## Public comment\nSpeakers sign up.\n## Adjournment".split("\n"),
                          markdown=True)
    assert [(i.number, i.title) for i in agenda.items] == [("", "Call to order"), ("", "Public comment"),
                                                           ("", "Adjournment")]
    assert [i.label for i in agenda.items] == ["1", "2", "3"] and agenda.preamble == ["Council agenda"]


def bad_files(tmp_path):
    lines = ["1. Call to order", "2. Budget"]
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.md").write_text("\n   \n")
    (tmp_path / "prose.txt").write_text("The council met and talked about many things.\nNothing else.\n")
    (tmp_path / "locked.pdf").write_bytes(encrypted_pdf(lines))
    (tmp_path / "scan.pdf").write_bytes(text_pdf(lines, text_layer=False))
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a docx")
    (tmp_path / "agenda.xlsx").write_bytes(b"whatever")
    return {
        "empty.txt": "the agenda file is empty",
        "blank.md": "the agenda file is empty",
        "prose.txt": "no agenda items found",
        "locked.pdf": "the PDF is encrypted",
        "scan.pdf": "the PDF has no text layer",
        "broken.docx": "not a readable DOCX file",
        "agenda.xlsx": "not an agenda format",
        "missing.txt": "",
    }


def test_bad_agenda_files_are_refused_in_one_line(tmp_path):
    for name, reason in bad_files(tmp_path).items():
        with pytest.raises(AgendaError) as caught:
            read_agenda(tmp_path / name)
        message = str(caught.value)
        assert "\n" not in message and name in message and reason in message, (name, message)


@pytest.fixture(scope="module")
def meeting_archive(tmp_path_factory):
    """A captioned synthetic meeting imported with its PDF agenda lying beside it."""
    folder = tmp_path_factory.mktemp("agenda_meeting")
    m = meeting(5)
    media = silent_media(folder / "council.opus", m.duration)
    write_srt(folder / "council.srt", m.cues)
    write_agenda(folder / "council.pdf", m.items)
    archive = folder / "archive"
    assert main(["--archive", str(archive), "import", "--no-speakers", str(media)]) == 0
    return archive, m


def test_an_agenda_beside_the_media_makes_the_chapters(meeting_archive, capsys):
    archive, m = meeting_archive
    code, out, err = run(capsys, "--archive", archive, "chapters", 1, "--json")
    chapters = json.loads(out)
    assert code == 0 and [c["item"] for c in chapters] == [n for n, _ in m.items]
    assert not any(c["automatic"] for c in chapters)
    assert sum(within(c["start"], t) for c, t in zip(chapters, m.starts)) >= len(m.items) - 1


def test_a_bad_agenda_changes_nothing(meeting_archive, tmp_path, capsys):
    archive, m = meeting_archive
    before = run(capsys, "--archive", archive, "chapters", 1, "--json")[1]
    votes_before = run(capsys, "--archive", archive, "votes", 1, "--json")[1]
    for name, reason in bad_files(tmp_path).items():
        code, out, err = run(capsys, "--archive", archive, "agenda", 1, tmp_path / name)
        assert (code, out, len(err)) == (1, "", 1) and reason in err[0], (name, err)
    other = write_agenda(tmp_path / "other.txt", [("1", "Cemetery plot fees"), ("2", "Snow removal contract"),
                                                  ("3", "Animal shelter volunteers"), ("4", "Bicycle lane striping")])
    code, out, err = run(capsys, "--archive", archive, "agenda", 1, other)
    assert (code, out) == (1, "") and err == ["council-archive: error: the agenda does not match this recording: "
                                              "0 of 4 items found in its transcript; no chapters made"]
    assert run(capsys, "--archive", archive, "chapters", 1, "--json")[1] == before
    assert run(capsys, "--archive", archive, "votes", 1, "--json")[1] == votes_before
    assert run(capsys, "--archive", archive, "agenda", 99, other)[2] == ["council-archive: error: no recording 99"]


def test_import_with_a_bad_agenda_imports_nothing(tmp_path, capsys):
    m = meeting(6, n_items=3)
    media = silent_media(tmp_path / "short.opus", 30)
    write_srt(tmp_path / "short.srt", [c for c in m.cues if c[1] < 30])
    (tmp_path / "empty.txt").write_text("")
    code, out, err = run(capsys, "--archive", tmp_path / "archive", "import", media, "--agenda", tmp_path / "empty.txt")
    assert code == 1 and "the agenda file is empty" in err[0]
    assert run(capsys, "--archive", tmp_path / "archive", "list", "--json")[1].strip() == "[]"
