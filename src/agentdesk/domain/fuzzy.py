"""Fuzzy matching of canned responses: title, tags, category and body, with matched positions.

    candidates = prepare(rows)                       # once per list of responses
    matches = rank("rfnd", candidates, usage={...})   # per keystroke

Every whitespace-separated term of the query must match somewhere (AND). Per term, the best
of: the title (substring, else in-order subsequence: `rfnd` finds "ReFuND"), a tag, the
category, the body (substring only). Titles score highest, word starts more, gaps less.
Ranking: matches found in titles, tags and categories before those that need a body; then
match quality in bands (so small score differences do not override habits), then the
agent's own use (`usage`: id -> frecency), then the global usage count, then the title.
Ranking uses a fast score (substring, else a compiled in-order pattern); matched positions
are worked out only for the results returned. Pure, no I/O.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

QUALITY_BAND = 20  # scores within one band count as equally good matches


@dataclass(frozen=True, slots=True)
class Candidate:
    """One canned response, pre-lowered for matching."""

    id: str
    title: str
    category: str
    tags: tuple[str, ...]
    usage_count: int
    title_lower: str
    word_starts: frozenset[int]
    word_start_order: tuple[int, ...]
    tags_lower: tuple[str, ...]
    category_lower: str
    body_lower: str
    chars: frozenset[str]  # every character of every field: a fast "cannot match" test


@dataclass(frozen=True, slots=True)
class Match:
    candidate: Candidate
    score: int
    title_positions: tuple[int, ...]  # indexes into `candidate.title` to highlight
    fields: tuple[str, ...]  # where each term matched: "title", "tag", "category", "body"


def _word_starts(text: str) -> frozenset[int]:
    starts = set()
    previous = " "
    for index, char in enumerate(text):
        if (char.isalnum() and not previous.isalnum()) or (char.isupper() and previous.islower()):
            starts.add(index)
        previous = char
    return frozenset(starts)


def candidate(row: Mapping[str, Any]) -> Candidate:
    title = str(row.get("title") or "")
    body = str(row.get("body") or "").lower()
    tags = tuple(str(t) for t in row.get("tags") or ())
    category = str(row.get("category") or "")
    title_lower = title.lower()
    starts = _word_starts(title)
    tags_lower = tuple(t.lower() for t in tags)
    category_lower = category.lower()
    chars = frozenset(title_lower + body + category_lower + "".join(tags_lower))
    return Candidate(
        id=str(row.get("id")),
        title=title,
        category=category,
        tags=tags,
        usage_count=int(row.get("usage_count") or 0),
        title_lower=title_lower,
        word_starts=starts,
        word_start_order=tuple(sorted(starts)),
        tags_lower=tags_lower,
        category_lower=category_lower,
        body_lower=body,
        chars=chars,
    )


def prepare(rows: Iterable[Mapping[str, Any]]) -> list[Candidate]:
    return [candidate(row) for row in rows]


def _title_match(term: str, cand: Candidate) -> tuple[int, tuple[int, ...]] | None:
    text = cand.title_lower
    found = text.find(term)
    if found >= 0:
        # Prefer an occurrence at a word start.
        start = found
        while start >= 0 and start not in cand.word_starts:
            start = text.find(term, start + 1)
        at = start if start >= 0 else found
        score = 100 + 12 * len(term)
        if at == 0:
            score += 40
        elif at in cand.word_starts:
            score += 25
        return score, tuple(range(at, at + len(term)))
    # In-order subsequence, greedy, preferring word starts for each character.
    positions: list[int] = []
    index = 0
    for char in term:
        found = text.find(char, index)
        if found < 0:
            return None
        # A later word start with this character beats a mid-word hit.
        if found not in cand.word_starts:
            for start in cand.word_start_order:
                if start > found and text[start] == char:
                    # only take it if the rest can still match after it
                    if _is_subsequence(term[len(positions) + 1 :], text, start + 1):
                        found = start
                    break
        positions.append(found)
        index = found + 1
    score = 40
    previous = -2
    for position in positions:
        if position == previous + 1:
            score += 10
        elif previous >= 0:
            score -= min(position - previous - 1, 8)
        if position in cand.word_starts:
            score += 8
        previous = position
    return score, tuple(positions)


def _is_subsequence(term: str, text: str, start: int) -> bool:
    index = start
    for char in term:
        index = text.find(char, index)
        if index < 0:
            return False
        index += 1
    return True


def _term_match(term: str, cand: Candidate) -> tuple[int, tuple[int, ...], str] | None:
    best: tuple[int, tuple[int, ...], str] | None = None
    title = _title_match(term, cand)
    if title is not None:
        best = (title[0], title[1], "title")
    for tag in cand.tags_lower:
        if tag == term:
            score = 90
        elif tag.startswith(term):
            score = 70
        elif term in tag:
            score = 50
        else:
            continue
        if best is None or score > best[0]:
            best = (score, (), "tag")
    if term in cand.category_lower and (best is None or best[0] < 45):
        best = (45, (), "category")
    if best is None and term in cand.body_lower:
        best = (20 + min(len(term), 10), (), "body")
    return best


def _match_terms(
    terms: Sequence[str], term_sets: Sequence[frozenset[str]], cand: Candidate
) -> Match | None:
    total = 0
    positions: set[int] = set()
    fields: list[str] = []
    chars = cand.chars
    for term, term_set in zip(terms, term_sets, strict=True):
        if not term_set <= chars:
            return None
        found = _term_match(term, cand)
        if found is None:
            return None
        total += found[0]
        positions.update(found[1])
        fields.append(found[2])
    return Match(cand, total, tuple(sorted(positions)), tuple(fields))


def match(query: str, cand: Candidate) -> Match | None:
    """How `cand` matches `query` (None: it does not); an empty query matches with score 0."""
    terms = query.lower().split()
    return _match_terms(terms, [frozenset(t) for t in terms], cand)


def _subsequence_pattern(term: str) -> re.Pattern[str] | None:
    """`rfnd` -> r[^f]*f[^n]*n[^d]*d: the leftmost in-order occurrence (C speed)."""
    if len(term) < 2:
        return None
    parts = [re.escape(term[0])]
    for char in term[1:]:
        parts.append(f"[^{re.escape(char)}]*{re.escape(char)}")
    return re.compile("".join(parts))


def _fast_term(
    term: str, pattern: re.Pattern[str] | None, cand: Candidate, body: bool = True
) -> int:
    """The term's score for ranking (0: no match): the hot loop, no positions."""
    title = cand.title_lower
    at = title.find(term)
    best = 0
    if at >= 0:
        best = 100 + 12 * len(term)
        if at == 0:
            best += 40
        elif at in cand.word_starts:
            best += 25
    elif pattern is not None:
        found = pattern.search(title)
        if found is not None:
            gaps = found.end() - found.start() - len(term)
            cap = 8 * (len(term) - 1)
            best = 40 + 10 * (len(term) - 1) - (gaps if gaps < cap else cap)
            if found.start() in cand.word_starts:
                best += 8
            best = max(best, 1)
    if best < 90:
        for tag in cand.tags_lower:
            if tag == term:
                best = max(best, 90)
            elif tag.startswith(term):
                best = max(best, 70)
            elif term in tag:
                best = max(best, 50)
    if best < 45 and term in cand.category_lower:
        best = 45
    if best == 0 and body and term in cand.body_lower:
        best = 20 + min(len(term), 10)
    return best


def _static_key(cand: Candidate) -> tuple[int, str]:
    return (-cand.usage_count, cand.title_lower)


def in_popularity_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Most used first, then by title: the order `Ranker` keeps within a quality band."""
    return sorted(candidates, key=_static_key)


def _best(
    scored: list[tuple[int, Candidate]],
    query: str,
    usage: Mapping[str, float],
    limit: int | None,
) -> list[Match]:
    """The best `limit`: by quality band, then own use, then (the order of `scored`, which is)
    global use and title. Matched positions are worked out only for those returned."""
    bands: dict[int, list[tuple[int, Candidate]]] = {}
    for item in scored:
        band = item[0] // QUALITY_BAND
        found = bands.get(band)
        if found is None:
            bands[band] = [item]
        else:
            found.append(item)
    top: list[tuple[int, Candidate]] = []
    for band in sorted(bands, reverse=True):
        items = bands[band]
        if usage:
            used = [item for item in items if item[1].id in usage]
            if used:
                used.sort(key=lambda item: -usage[item[1].id])
                seen = {id(item) for item in used}
                items = used + [item for item in items if id(item) not in seen]
        top.extend(items)
        if limit is not None and len(top) >= limit:
            top = top[:limit]
            break
    result = []
    for score, cand in top:
        detail = match(query, cand) if query.strip() else None
        positions = detail.title_positions if detail is not None else ()
        fields = detail.fields if detail is not None else ()
        result.append(Match(cand, score, positions, fields))
    return result


def rank(
    query: str,
    candidates: Sequence[Candidate],
    usage: Mapping[str, float] | None = None,
    limit: int | None = None,
) -> list[Match]:
    """Matches of `query`, best first (see the module docstring for the order)."""
    return Ranker(candidates, usage or {}).rank(query, limit)


BODY_TIER = 1000  # subtracted from matches that need a body: they rank after all others


class Ranker:
    """`rank` for a picker, typed one key at a time.

    Candidates are put in popularity order once; scoring keeps that order, so ranking is
    bucketing by quality band. Matches whose every term is found in the title, a tag or the
    category come first; matches that need the body come after them, and bodies are read only
    when the first kind does not fill the list. A query that extends the previous one can
    only match what the previous one matched (terms only get longer or more are added), so
    only those are checked again.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        usage: Mapping[str, float],
        *,
        ordered: bool = False,
    ) -> None:
        """`ordered`: the candidates are already `in_popularity_order` (kept, not re-sorted)."""
        self.candidates = list(candidates) if ordered else in_popularity_order(candidates)
        self.usage = dict(usage)
        self._empty: tuple[int | None, list[Match]] | None = None
        self._last_query: str | None = None
        self._pool: list[Candidate] = self.candidates

    def _unfiltered(self, limit: int | None) -> list[Match]:
        """No query: own use first, then popularity (no per-candidate work past `limit`)."""
        usage = self.usage
        used = sorted(
            (cand for cand in self.candidates if cand.id in usage), key=lambda c: -usage[c.id]
        )
        rest = (cand for cand in self.candidates if cand.id not in usage)
        wanted = None if limit is None else max(limit - len(used), 0)
        chosen = used + list(itertools.islice(rest, wanted))
        return [Match(cand, 0, (), ()) for cand in chosen[:limit]]

    def rank(self, query: str, limit: int | None = None) -> list[Match]:
        lowered = query.lower()
        terms = lowered.split()
        if not terms:
            if self._empty is None or self._empty[0] != limit:
                self._empty = (limit, self._unfiltered(limit))
            self._last_query, self._pool = None, self.candidates
            return list(self._empty[1])
        pool = self.candidates
        last = self._last_query
        if last is not None and lowered.startswith(last):
            pool = self._pool
        plans = [(term, frozenset(term), _subsequence_pattern(term)) for term in terms]
        scored = _scored_plans(plans, pool, body=False)
        self._last_query, self._pool = lowered, [cand for _score, cand in scored]
        if limit is None or len(scored) < limit:
            found = {id(cand) for _score, cand in scored}
            rest = [cand for cand in self.candidates if id(cand) not in found]
            scored += [
                (score - BODY_TIER, cand) for score, cand in _scored_plans(plans, rest, body=True)
            ]
        return _best(scored, lowered, self.usage, limit)


def _scored_plans(
    plans: list[tuple[str, frozenset[str], re.Pattern[str] | None]],
    candidates: Sequence[Candidate],
    *,
    body: bool,
) -> list[tuple[int, Candidate]]:
    found = []
    append = found.append
    if len(plans) == 1 and len(plans[0][0]) == 1:  # the first keystroke: the most candidates
        char = plans[0][0]
        title_hit, at_start, at_word = 100 + 12, 100 + 12 + 40, 100 + 12 + 25
        for cand in candidates:
            if char in cand.chars:
                at = cand.title_lower.find(char)
                if at == 0:
                    append((at_start, cand))
                elif at > 0:
                    append((at_word if at in cand.word_starts else title_hit, cand))
                else:
                    score = _fast_term(char, None, cand, body)
                    if score:
                        append((score, cand))
        return found
    if len(plans) == 1:
        term, term_set, pattern = plans[0]
        for cand in candidates:
            if term_set <= cand.chars:
                score = _fast_term(term, pattern, cand, body)
                if score:
                    append((score, cand))
        return found
    for cand in candidates:
        chars = cand.chars
        total = 0
        for term, term_set, pattern in plans:
            if not term_set <= chars:
                break
            score = _fast_term(term, pattern, cand, body)
            if not score:
                break
            total += score
        else:
            append((total, cand))
    return found


def frecency(count: int, last_used: datetime | None, now: datetime) -> float:
    """The agent's own use of a response: how often, weighted towards recent use."""
    if count <= 0:
        return 0.0
    score = math.log2(1 + count)
    if last_used is not None:
        age_hours = max((now - last_used).total_seconds() / 3600, 0.0)
        if age_hours < 1:
            score += 4
        elif age_hours < 24:
            score += 3
        elif age_hours < 24 * 7:
            score += 1.5
    return score
