"""Votes: how the meeting says an item ended, read from its transcript.

:func:`read_votes` finds each vote and reads what is said of it:

- the outcome: "the motion carries / passes / is approved", "the motion fails", "the ayes
  have it" (a sentence saying "if" or asking is no outcome);
- counts: "seven in favor, two opposed", "by a vote of two to one", "five ayes and two
  nays";
- a roll call: a member named ("Mister Walker, how do you vote?", "Mayor Morgan?") and
  the answer that follows ("I vote yes", "Aye", "No"); the speaker's name comes from the
  transcript (captions or the roster) when it has one, else from the question.

A vote starts at a cue ("the clerk will take the vote", "all in favor", "roll call vote",
"how do you vote") or at its outcome. What cannot be read reliably stays unknown (None),
never guessed: no outcome said means no result; counts come from what was said, or from
a roll call where every member asked answered; counts and outcome that contradict each
other (or a stated count and the roll) are both dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from archive.chapters import chapter_at
from archive.spoken import tokens

VOTE_WINDOW = 180.0  # seconds from a vote's cue within which its outcome is read
MAX_COUNT = 100

_SUBJECT = r"(motion|resolution|ordinance|amendment|item|measure|it|substitute|consent (agenda|calendar))"
_CARRIED = re.compile(rf"\b{_SUBJECT}( is| has| was)?( hereby)? (carries|carried|passes|passed|approved|adopted|prevails|"
                      r"succeeds)\b|\b(the )?(ayes|yeas|eyes) have it\b")
_FAILED = re.compile(rf"\b{_SUBJECT}( is| has| was)?( hereby)? (fails|failed|defeated|rejected|does not (pass|carry)|"
                     r"did not (pass|carry)|is not (approved|adopted))\b|\b(the )?(nays|noes|nos|no's) have it\b")
_CUE = re.compile(r"\b(take (the|a) vote|call the roll on|roll call vote|all (those )?in favou?r|how do you vote|"
                  r"please vote|cast your votes?|call the question|vote on (the|this) motion|ready to vote)\b")
_ANSWER = re.compile(r"^(?:(?:i|and i) (?:vote|am voting|say) |my vote is )?(yes|aye|yea|yeah|no|nay)\b[ ,.!]*"
                     r"(?:(?:i|and i) vote (?:yes|aye|no|nay)[ .!]*)?$")
_NAMED_ANSWER = re.compile(r"^([a-z][\w .'-]{1,40}?),? (?:votes?|voting) (yes|aye|yea|no|nay)\b[ .!]*$")
_TITLE = r"(?:Mister|Mr\.?|Mrs\.?|Ms\.?|Miss|Mayor|Vice Mayor|Deputy Mayor|Council ?member|Councilor|Councillor|" \
         r"Alderman|Alderwoman|Alderperson|Commissioner|Supervisor|Chair|Chairman|Chairwoman|Trustee|Director)"
_NAMED = re.compile(rf"\b({_TITLE} [A-Z][\w'-]+)")
_YES = {"yes", "aye", "yea", "yeah"}
_OPPOSED = {"opposed", "against", "no", "nay", "nays", "noes", "nos"}
_FAVOR = {"favor", "favour", "support"}


@dataclass
class Vote:
    start: float
    end: float
    result: Optional[str] = None  # "carried", "failed" or None (not said / not readable)
    yes: Optional[int] = None
    no: Optional[int] = None
    text: str = ""  # what was said of the outcome
    roll: list[dict] = field(default_factory=list)  # [{"name", "vote": "yes"/"no"}]
    item: Optional[str] = None  # the chapter it belongs to

    def to_dict(self) -> dict:
        return {"item": self.item, "result": self.result, "yes": self.yes, "no": self.no, "start": self.start}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;])\s+", " ".join(text.split())) if s.strip()]


def outcome(sentence: str) -> Optional[str]:
    """"carried", "failed" or None for one sentence."""
    low = sentence.lower()
    if "?" in low or re.search(r"\b(if|whether|unless|until|should|would|could|might|may)\b", low):
        return None
    carried, failed = bool(_CARRIED.search(low)), bool(_FAILED.search(low))
    if carried == failed:
        return None
    return "carried" if carried else "failed"


def counts(sentence: str, result: Optional[str] = None) -> tuple[Optional[int], Optional[int]]:
    """(yes, no) said in one sentence, else (None, None)."""
    toks = tokens(sentence)
    if "?" in sentence:
        return None, None
    n = len(toks)

    def num(i: int) -> Optional[int]:
        if 0 <= i < n and toks[i].isdigit() and int(toks[i]) <= MAX_COUNT:
            return int(toks[i])
        return None

    def against(i: int, first: int) -> Optional[int]:
        """The count said as opposed within a few words from ``first``."""
        for j in range(first, min(n, first + 5)):
            b = num(j)
            if b is not None:
                after = toks[j + 1:j + 3]
                if after[:1] and (after[0] in _OPPOSED or after[0] in ("voting", "votes") and after[1:] and
                                  after[1] in _OPPOSED):
                    return b
                return None
        return None

    for i in range(n):
        a = num(i)
        if a is None:
            continue
        if toks[i + 1:i + 2] == ["in"] and toks[i + 2:i + 3] and toks[i + 2] in _FAVOR:  # "7 in favor, 2 opposed"
            b = against(i, i + 3)
            if b is not None:
                return a, b
        if toks[i + 1:i + 2] and toks[i + 1] in _YES | {"ayes", "yeas"}:  # "5 ayes and 2 nays"
            b = against(i, i + 2)
            if b is not None:
                return a, b
        if toks[i + 1:i + 2] == ["to"] and num(i + 2) is not None:  # "by a vote of 2 to 1", "carries 7 to 2"
            before = set(toks[max(0, i - 4):i])
            if before & {"vote", "votes"} or (result and before & {"carries", "passes", "fails", "carried", "passed",
                                                                  "failed", "approved", "adopted"}):
                return a, num(i + 2)
    return None, None


def _answer(text: str) -> Optional[tuple[Optional[str], str]]:
    """(name said, "yes"/"no") of a roll-call answer ("I vote yes", "Walker votes no")."""
    low = " ".join(text.lower().split()).strip(" .!")
    m = _ANSWER.match(low)
    if m:
        return None, "yes" if m.group(1) in _YES else "no"
    m = _NAMED_ANSWER.match(low)
    if m:
        return m.group(1).title(), "yes" if m.group(2) in _YES else "no"
    return None


def _is_name(speaker: Optional[str]) -> bool:
    return bool(speaker) and not re.fullmatch(r"(speaker|voice|unknown)\s*\d*", speaker.strip().lower())


def read_votes(segments: Sequence[dict], chapters: Sequence = ()) -> list[Vote]:
    """The votes in a transcript's segments (dicts with start, end, text and maybe
    speaker), each given the item of the chapter it falls in."""
    votes: list[Vote] = []
    current: Optional[Vote] = None
    asked: Optional[str] = None  # the member the last question named
    questions = 0
    starts = sorted(c.start for c in chapters if c.start is not None)

    def close() -> None:
        nonlocal current, questions
        if current is not None:
            _settle(current, questions)
            votes.append(current)
        current, questions = None, 0

    for seg in segments:
        text = " ".join(seg["text"].split())
        if current is not None and (seg["start"] - current.start > VOTE_WINDOW or
                                    any(current.start < s <= seg["start"] for s in starts)):
            close()
        if current is None and _CUE.search(text.lower()):
            current = Vote(seg["start"], seg["end"])
        if current is not None:
            named = _NAMED.findall(text)
            if text.rstrip().endswith("?") and (named or "vote" in text.lower()):
                asked, questions = (named[-1] if named else asked), questions + 1
            answer = _answer(text)
            if answer is not None and questions > len(current.roll):
                said, vote = answer
                speaker = seg.get("speaker")
                name = speaker if _is_name(speaker) else (said or asked)
                current.roll.append({"name": name, "vote": vote})
                current.end = seg["end"]
                continue
        for sentence in _sentences(text):
            result = outcome(sentence)
            yes, no = counts(sentence, result)
            if result is None and yes is None:
                continue
            if current is None:
                current = Vote(seg["start"], seg["end"])
            current.end = seg["end"]
            current.text = (current.text + " " + sentence).strip()
            if result is not None:
                current.result = result if current.result in (None, result) else "conflict"
            if yes is not None:
                if current.yes is not None and (current.yes, current.no) != (yes, no):
                    current.yes = current.no = -1  # two different counts said: unreadable
                elif current.yes is None:
                    current.yes, current.no = yes, no
            if result is not None:
                close()
                break
    close()
    for vote in votes:
        chapter = chapter_at(chapters, vote.start)
        vote.item = chapter.item if chapter is not None else None
    return votes


def _settle(vote: Vote, questions: int) -> None:
    """Drop what contradicts itself; counts from a whole roll call when none was said."""
    if vote.result == "conflict":
        vote.result = None
    if vote.yes == -1:
        vote.yes = vote.no = None
    rolled = (sum(r["vote"] == "yes" for r in vote.roll), sum(r["vote"] == "no" for r in vote.roll))
    whole_roll = len(vote.roll) >= 2 and len(vote.roll) == questions
    if vote.yes is None and whole_roll:
        vote.yes, vote.no = rolled
    elif vote.yes is not None and whole_roll and (vote.yes, vote.no) != rolled:
        vote.yes = vote.no = None  # what was said and the roll disagree
    if vote.result == "carried" and vote.yes is not None and vote.yes < vote.no:
        vote.result = vote.yes = vote.no = None
