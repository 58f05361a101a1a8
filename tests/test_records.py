"""Standard records: PBCore 2.1 (validated against the official XSD when ../shared/schemas has it),
Dublin Core in oai_dc, an OHMS-style index; PBCore/DC records from elsewhere mapped back onto
recordings, and refused in one line (nothing changed) when they cannot be."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from archive.cli import main
from archive.records import dc, ohms, pbcore
from archive.store import Archive
from meetings import meeting, silent_media, write_agenda, write_srt
from transcription.audio import probe

XSD = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "pbcore-2.1.xsd"
SPEAKERS = ("Mayor Diaz", "Clerk Park")
DC_REQUIRED = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
               "identifier", "source")


def run(capsys, *args) -> tuple[int, str, list[str]]:
    code = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


@pytest.fixture(scope="module")
def captioned(tmp_path_factory):
    """A captioned meeting (two named speakers) imported with its metadata and agenda chapters."""
    folder = tmp_path_factory.mktemp("records")
    m = meeting(7)
    media = silent_media(folder / "meeting.opus", m.duration)
    cues = [(a, b, f"{SPEAKERS[i % 3 == 0]}: {t}") for i, (a, b, t) in enumerate(m.cues)]
    archive = folder / "archive"
    assert main(["--archive", str(archive), "import", "--no-speakers", str(media), "--captions",
                 str(write_srt(folder / "captions.srt", cues)), "--title", "Regular meeting", "--body", "City Council",
                 "--date", "2024-03-05", "--agenda", str(write_agenda(folder / "agenda.md", m.items))]) == 0
    return archive, media, m


@pytest.fixture
def archive_dir(captioned, tmp_path):
    import shutil

    target = tmp_path / "archive"
    shutil.copytree(captioned[0], target)
    return target


def export(capsys, archive, *args) -> ET.Element:
    """The record ``args`` print; with ``-o FILE`` last, the one written there."""
    code, out, err = run(capsys, "--archive", archive, *args)
    assert code == 0, err
    return ET.parse(args[-1]).getroot() if args[-2] == "-o" else ET.fromstring(out.encode())


def recording(archive) -> dict:
    with sqlite3.connect(Path(archive) / "catalog.db") as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT * FROM recordings WHERE id = 1").fetchone())


def chapter_labels(archive) -> list[tuple[str, float]]:
    from archive.chaptering import chapters

    with Archive(archive) as a:
        return [(c.label, c.start) for c in chapters(a, 1, found_only=True)]


def texts(el: ET.Element, path: str, ns: dict) -> list[str]:
    return [e.text for e in el.findall(path, ns)]


P = {"p": pbcore.NS}


def test_pbcore_record_says_what_the_archive_knows(captioned, capsys):
    archive, media, _ = captioned
    doc = export(capsys, archive, "export", "1", "--format", "pbcore")
    assert doc.tag == pbcore.q("pbcoreDescriptionDocument")
    rec = recording(archive)
    sha = hashlib.sha256(media.read_bytes()).hexdigest()
    assert rec["sha256"] == sha
    assert doc.find("p:pbcoreIdentifier[@source='SHA-256']", P).text == sha
    assert doc.find("p:pbcoreIdentifier[@source='council-archive']", P).text == "1"
    assert texts(doc, "p:pbcoreTitle", P) == ["Regular meeting"]
    assert texts(doc, "p:pbcoreAssetDate", P) == ["2024-03-05"]
    assert texts(doc, "p:pbcoreCreator/p:creator", P) == texts(doc, "p:pbcorePublisher/p:publisher", P) == ["City Council"]
    assert sorted(texts(doc, "p:pbcoreContributor/p:contributor", P)) == sorted(SPEAKERS)
    chapters = chapter_labels(archive)
    assert len(chapters) >= 4 and texts(doc, "p:pbcoreSubject", P) == [label for label, _ in chapters]
    assert "City Council" in doc.find("p:pbcoreDescription", P).text
    inst = doc.find("p:pbcoreInstantiation", P)
    assert inst.find("p:instantiationIdentifier[@source='SHA-256']", P).text == sha
    assert int(inst.find("p:instantiationFileSize", P).text) == media.stat().st_size
    info = probe(media)
    h, m_, s = inst.find("p:instantiationDuration", P).text.split(":")
    assert abs(int(h) * 3600 + int(m_) * 60 + float(s) - info.duration) < 0.5
    track = inst.find("p:instantiationEssenceTrack", P)
    assert track.find("p:essenceTrackEncoding", P).text == info.audio_codec
    assert int(track.find("p:essenceTrackSamplingRate", P).text) == info.sample_rate
    assert inst.find("p:instantiationMediaType", P).text == "Sound"


@pytest.mark.skipif(not XSD.exists(), reason=f"the PBCore 2.1 XSD is not at {XSD}")
def test_pbcore_records_validate_against_the_official_xsd(captioned, tmp_path, capsys):
    from lxml import etree

    archive = captioned[0]
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    for args in (("export", "1", "--format", "pbcore"), ("export-catalog", "--format", "pbcore")):
        out = tmp_path / "record.xml"
        code, _, err = run(capsys, "--archive", archive, *args, "-o", out)
        assert code == 0, err
        doc = etree.parse(str(out))
        assert schema.validate(doc), schema.error_log
    assert doc.getroot().tag == pbcore.q("pbcoreCollection") and len(doc.getroot()) == 1
    broken = etree.fromstring(out.read_bytes())
    broken[0].remove(broken[0].find(pbcore.q("pbcoreTitle")))  # the validator does look
    assert not schema.validate(broken)


def test_dublin_core_in_the_oai_dc_container(captioned, capsys):
    archive, media, _ = captioned
    root = export(capsys, archive, "export", "1", "--format", "dc")
    assert root.tag == f"{{{dc.OAI_DC}}}dc"
    assert all(child.tag.startswith(f"{{{dc.DC}}}") for child in root)
    names = {child.tag.split("}")[1] for child in root}
    assert set(DC_REQUIRED) <= names, set(DC_REQUIRED) - names
    D = {"dc": dc.DC}
    assert texts(root, "dc:title", D) == ["Regular meeting"] and texts(root, "dc:date", D) == ["2024-03-05"]
    assert f"urn:sha256:{recording(archive)['sha256']}" in texts(root, "dc:identifier", D)
    assert sorted(texts(root, "dc:contributor", D)) == sorted(SPEAKERS)
    assert texts(root, "dc:subject", D) == [label for label, _ in chapter_labels(archive)]
    assert texts(root, "dc:source", D) == [media.name]
    catalog = export(capsys, archive, "export-catalog", "--format", "dc")
    assert [len(r) for r in catalog] == [len(root)]


def test_ohms_index_points_at_the_chapters(captioned, capsys):
    archive, _, m = captioned
    root = export(capsys, archive, "export", "1", "--format", "ohms")
    O = {"o": ohms.NS}
    assert root.tag == ohms.q("ROOT")
    record = root.find("o:record", O)
    assert record.get("id") == "1" and record.find("o:title", O).text == "Regular meeting"
    points = record.findall("o:index/o:point", O)
    chapters = chapter_labels(archive)
    assert [(p.find("o:title", O).text, int(p.find("o:time", O).text)) for p in points] == \
        [(label, int(start)) for label, start in chapters]
    said = " ".join(t for _, _, t in m.cues).lower()
    for p in points:
        words = p.find("o:keywords", O).text.split(";")
        assert words and all(w in said for w in words), words
        assert p.find("o:partial_transcript", O).text


def test_records_from_another_catalogue_seed_the_metadata(archive_dir, tmp_path, capsys):
    root = export(capsys, archive_dir, "export", "1", "--format", "dc")
    D = {"dc": dc.DC}
    root.find("dc:title", D).text = "Regular meeting of the council"
    root.find("dc:date", D).text = "2024-03-06"
    root.find("dc:creator", D).text = "Town Council"
    ET.SubElement(root, dc.q("language")).text = "eng"
    for ident in root.findall("dc:identifier", D):  # matched by the file name alone
        root.remove(ident)
    path = tmp_path / "catalogue.xml"
    ET.ElementTree(root).write(path, encoding="utf-8")
    before = recording(archive_dir)
    code, out, err = run(capsys, "--archive", archive_dir, "import-records", "--dry-run", path)
    assert code == 0 and "would change 1" in out and recording(archive_dir) == before
    code, out, err = run(capsys, "--archive", archive_dir, "import-records", path)
    assert code == 0, err
    after = recording(archive_dir)
    assert (after["title"], after["date"], after["body"], after["language"]) == \
        ("Regular meeting of the council", "2024-03-06", "Town Council", "en")
    code, out, _ = run(capsys, "--archive", archive_dir, "search", "council", "--body", "Town Council", "--json")
    hits = json.loads(out)["hits"]
    assert code == 0 and hits and all(h["title"] == after["title"] for h in hits)
    path.write_text(path.read_text().replace(">eng<", ">spa<"))  # the language the archive has stays
    code, out, err = run(capsys, "--archive", archive_dir, "import-records", path)
    assert code == 0 and "language en kept" in out and recording(archive_dir)["language"] == "en", (out, err)
    # a PBCore collection from elsewhere, matched by SHA-256, puts them back
    coll = tmp_path / "collection.xml"
    export(capsys, archive_dir, "export-catalog", "--format", "pbcore", "-o", coll)
    text = coll.read_text().replace("Regular meeting of the council", "Regular meeting")
    coll.write_text(text.replace("2024-03-06", "2024-03-05").replace("Town Council", "City Council"))
    code, out, err = run(capsys, "--archive", archive_dir, "import-records", coll)
    assert code == 0, err
    assert {k: recording(archive_dir)[k] for k in ("title", "date", "body")} == \
        {"title": "Regular meeting", "date": "2024-03-05", "body": "City Council"}


@pytest.mark.parametrize("change, says", [
    (lambda t: t.replace(t.split('source="SHA-256">')[1][:64], "0" * 64), "no recording in this archive matches"),
    (lambda t: t.replace("</pbcoreTitle>", "</pbcoreTitle><pbcoreMood>sunny</pbcoreMood>", 1), "unknown field 'pbcoreMood'"),
    (lambda t: t.replace("2024-03-05", "yesterday", 1), "date must be YYYY-MM-DD"),
    (lambda t: t[: len(t) // 2], "not XML"),
])
def test_a_record_that_cannot_apply_changes_nothing(archive_dir, tmp_path, capsys, change, says):
    good = tmp_path / "good.xml"
    export(capsys, archive_dir, "export", "1", "--format", "pbcore", "-o", good)
    text = good.read_text().replace("Regular meeting", "Renamed meeting")
    bad = tmp_path / "bad.xml"
    bad.write_text(change(text))
    # a catalogue file: a good record first, the bad one after it
    both = tmp_path / "both.xml"
    both.write_text(f'<records>{text.split("?>", 1)[1]}{bad.read_text().split("?>", 1)[1]}</records>'
                    if "not XML" not in says else bad.read_text())
    before = recording(archive_dir)
    for path in (bad, both):
        code, out, err = run(capsys, "--archive", archive_dir, "import-records", path)
        assert code == 1 and len(err) == 1 and says in err[0], err
        assert recording(archive_dir) == before


def test_a_dublin_core_catalogue_with_unknown_fields_changes_nothing(archive_dir, tmp_path, capsys):
    record = export(capsys, archive_dir, "export", "1", "--format", "dc")
    record.find(dc.q("title")).text = "Renamed meeting"
    before = recording(archive_dir)
    for tag, says in ((dc.q("mood"), "unknown field 'mood'"), ("{https://example.org/x}rating", "unknown field 'rating'")):
        ET.SubElement(record, tag).text = "x"
        path = tmp_path / "catalogue.xml"
        ET.ElementTree(record).write(path, encoding="utf-8")
        code, out, err = run(capsys, "--archive", archive_dir, "import-records", path)
        assert (code, out, len(err)) == (1, "", 1) and says in err[0] and "nothing was changed" in err[0], err
        assert recording(archive_dir) == before
        record.remove(record[-1])
