"""Votes read from what the meeting says: outcomes, counts, roll calls; what is unclear
stays unknown; the ``votes --json`` contract."""

from __future__ import annotations

import json

from archive.chapters import Chapter
from archive.cli import main
from archive.votes import counts, outcome, read_votes
from meetings import meeting, silent_media, write_srt

VOTE_KEYS = ["item", "result", "yes", "no", "start"]


def segs(*lines, speakers=None) -> list[dict]:
    out = []
    for k, text in enumerate(lines):
        out.append({"start": 10.0 * k, "end": 10.0 * k + 5, "text": text,
                    "speaker": (speakers or {}).get(k)})
    return out


def test_outcomes_and_counts_as_said():
    cases = {
        "Seven in favor, two opposed.": (None, (7, 2)),
        "The motion carries seven to two.": ("carried", (7, 2)),
        "The motion fails on a vote of four to five.": ("failed", (4, 5)),
        "Five ayes and two nays, the motion passes.": ("carried", (5, 2)),
        "The resolution is adopted unanimously.": ("carried", (None, None)),
        "The ayes have it.": ("carried", (None, None)),
        "The motion is approved by a vote of 2 to 1.": ("carried", (2, 1)),
    }
    for sentence, (result, said) in cases.items():
        assert (outcome(sentence), counts(sentence, outcome(sentence))) == (result, said), sentence


def test_what_is_no_outcome_is_not_read_as_one():
    for sentence in ("If the motion fails we will come back to it.", "Does the motion carry?",
                     "Two cars were stolen, three to four times a year.", "The cameras failed last winter.",
                     "We passed the library on the way.", "Should the ordinance pass, fees go up."):
        assert outcome(sentence) is None and counts(sentence) == (None, None), sentence


def test_a_roll_call_counts_and_names_the_voters():
    lines = ("The clerk will take the vote.", "Council member Walker?", "I vote yes.", "Mayor Morgan?", "No.",
             "Council member Patel?", "Aye.", "The motion passes.")
    [vote] = read_votes(segs(*lines, speakers={6: "Ana Patel"}))
    assert (vote.result, vote.yes, vote.no) == ("carried", 2, 1)
    # a name from the transcript's speakers (captions or the roster) wins over the one asked
    assert vote.roll == [{"name": "Council member Walker", "vote": "yes"}, {"name": "Mayor Morgan", "vote": "no"},
                         {"name": "Ana Patel", "vote": "yes"}]


def test_unclear_votes_stay_unknown():
    [never_read] = read_votes(segs("The clerk will take the vote.", "Thank you all."))
    assert (never_read.result, never_read.yes, never_read.no) == (None, None, None)
    [half_roll] = read_votes(segs("The clerk will take the vote.", "Council member Walker?", "Yes.",
                                  "Council member Patel?", "Mayor Morgan?", "No."))
    assert (half_roll.yes, half_roll.no) == (None, None)  # one member asked gave no answer heard
    [contradiction] = read_votes(segs("All in favor?", "The motion carries two to five."))
    assert (contradiction.result, contradiction.yes, contradiction.no) == (None, None, None)
    [disagree] = read_votes(segs("The clerk will take the vote.", "Council member Walker?", "Yes.",
                                 "Council member Patel?", "Yes.", "The motion carries by a vote of two to zero.",))
    assert (disagree.yes, disagree.no) == (2, 0)
    [wrong] = read_votes(segs("The clerk will take the vote.", "Council member Walker?", "Yes.",
                              "Council member Patel?", "Yes.", "The motion carries by a vote of three to zero."))
    assert (wrong.result, wrong.yes, wrong.no) == ("carried", None, None)  # said and roll disagree: no count


def test_votes_belong_to_their_chapter():
    chapters = [Chapter("1", "Budget", 0.0), Chapter("2", "Parks", 25.0)]
    votes = read_votes(segs("Seven in favor, two opposed. The motion carries.", "Staff report.", "Discussion.",
                            "The motion fails, three to four."), chapters)
    assert [(v.item, v.result, v.yes, v.no) for v in votes] == [("1", "carried", 7, 2), ("2", "failed", 3, 4)]


def test_votes_json_contract_on_an_imported_meeting(tmp_path, capsys):
    m = meeting(11)
    media = silent_media(tmp_path / "votes.opus", m.duration)
    archive = tmp_path / "archive"
    assert main(["--archive", str(archive), "import", "--no-speakers", str(media), "--captions",
                 str(write_srt(tmp_path / "votes.srt", m.cues))]) == 0
    capsys.readouterr()
    assert main(["--archive", str(archive), "votes", "1", "--json"]) == 0
    votes = json.loads(capsys.readouterr().out)
    assert len(votes) == len(m.votes) and all(list(v) == VOTE_KEYS for v in votes)
    for found, said in zip(votes, m.votes):
        assert abs(found["start"] - said["start"]) < 30.0  # the motion, then the vote
        assert found["result"] == said["result"]
        assert (found["yes"], found["no"]) in ((said["yes"], said["no"]), (None, None))
        assert found["yes"] is None or isinstance(found["yes"], int)
    assert main(["--archive", str(archive), "votes", "1"]) == 0
    text = capsys.readouterr().out
    assert ("carried" in text or "failed" in text) and "item" in text
