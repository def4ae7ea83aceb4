"""Signals of a manipulated vote, for coordinators (issue 9, item 4): bursts of ballots in a short
window, many ballots from accounts registered just before casting, many ballots from one client
address. Each signal carries the ballots behind it. A signal is a reason to look, not a verdict:
a school class voting together or a mobile operator's shared address look the same from here.

`detect` is a pure function of plain ballot facts (tested with planted patterns and a clean control);
`vote_signals` reads them for one vote and refuses anyone but the builders."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from sqlmodel import Session, select

from ..domain import limits
from ..domain.models import User
from ..domain.participation import Ballot, Vote
from ..services.actors import Actor
from ..services.errors import NotFound
from .formatting import local_time
from .vote_builder import require_builder

BURST_WINDOW = timedelta(seconds=60)
BURST_MIN = 20  # ballots in one window, at least…
BURST_FACTOR = 10  # …and this many times the vote's average per window
FRESH_ACCOUNT = timedelta(hours=24)  # registered this shortly before casting
FRESH_MIN, FRESH_SHARE = 10, 0.05
ADDRESS_MIN = 10  # ballots from one client address
SHOWN_BALLOTS = 50  # per signal on the page (the count is always complete)
SHOWN_ADDRESSES = 10


@dataclass(frozen=True)
class BallotFact:
    ballot_id: int
    voter_id: int
    cast_at: datetime
    registered_at: datetime
    address: str | None


@dataclass(frozen=True)
class Found:
    kind: str  # burst | fresh_accounts | one_address
    title: str
    ballots: tuple[BallotFact, ...]


class SignalBallot(TypedDict):
    id: int
    voter_id: int
    cast_at: str
    registered_at: str
    address: str


class Signal(TypedDict):
    kind: str
    title: str
    count: int
    ballots: list[SignalBallot]


def detect(facts: list[BallotFact], *, opened_at: datetime, until: datetime) -> list[Found]:
    facts = sorted(facts, key=lambda f: (f.cast_at, f.ballot_id))
    return [*_bursts(facts, opened_at, until), *_fresh(facts), *_addresses(facts)]


def _bursts(facts: list[BallotFact], opened_at: datetime, until: datetime) -> list[Found]:
    windows = max(1.0, (until - opened_at) / BURST_WINDOW)
    threshold = max(BURST_MIN, BURST_FACTOR * len(facts) / windows)
    in_burst = [False] * len(facts)
    start = 0
    for end in range(len(facts)):  # two pointers: facts[start..end] lie within one window
        while facts[end].cast_at - facts[start].cast_at > BURST_WINDOW:
            start += 1
        if end - start + 1 >= threshold:
            for k in range(start, end + 1):
                in_burst[k] = True
    episodes: list[list[BallotFact]] = []
    for k, fact in enumerate(facts):
        if not in_burst[k]:
            continue
        if episodes and fact.cast_at - episodes[-1][-1].cast_at <= BURST_WINDOW and in_burst[k - 1]:
            episodes[-1].append(fact)
        else:
            episodes.append([fact])
    average = len(facts) / windows
    usual = (f"{average:.1f}" if average >= 1 else f"{average:.2f}" if average >= 0.01 else "меньше 0.01").replace(".", ",")
    return [Found("burst", f"Всплеск: {len(e)} голосов за {_span(e)} (с {local_time(e[0].cast_at)}; в среднем "
                           f"{usual} в минуту)", tuple(e)) for e in episodes]


def _fresh(facts: list[BallotFact]) -> list[Found]:
    fresh = [f for f in facts if timedelta(0) <= f.cast_at - f.registered_at <= FRESH_ACCOUNT]
    if len(fresh) < FRESH_MIN or len(fresh) < FRESH_SHARE * len(facts):
        return []
    share = f"{100 * len(fresh) / len(facts):.1f}".replace(".", ",")
    return [Found("fresh_accounts", f"Голоса недавно зарегистрированных: {len(fresh)} ({share} %) от учётных "
                                    f"записей, созданных меньше чем за сутки до голосования", tuple(fresh))]


def _addresses(facts: list[BallotFact]) -> list[Found]:
    by_address: dict[str, list[BallotFact]] = defaultdict(list)
    for fact in facts:
        if fact.address:
            by_address[fact.address].append(fact)
    crowded = sorted((b for b in by_address.values() if len(b) >= ADDRESS_MIN), key=lambda b: -len(b))
    return [Found("one_address", f"Один адрес: {len(b)} голосов с адреса {b[0].address}", tuple(b))
            for b in crowded[:SHOWN_ADDRESSES]]


def _span(episode: list[BallotFact]) -> str:
    seconds = int((episode[-1].cast_at - episode[0].cast_at).total_seconds())
    return f"{seconds} с" if seconds < 120 else f"{seconds // 60} мин"


def vote_signals(session: Session, *, actor: Actor, vote_id, now: datetime) -> list[Signal]:
    require_builder(actor)
    vote = session.get(Vote, vote_id) if isinstance(vote_id, int) and limits.is_valid_id(vote_id) else None
    if vote is None:
        raise NotFound("Голосование не найдено")
    facts = [BallotFact(*row) for row in session.exec(
        select(Ballot.id, Ballot.voter_id, Ballot.cast_at, User.created_at, Ballot.client_address)
        .join(User, User.id == Ballot.voter_id).where(Ballot.vote_id == vote.id))]
    found = detect(facts, opened_at=vote.starts_at, until=min(now, vote.closes_at()))
    return [Signal(kind=f.kind, title=f.title, count=len(f.ballots), ballots=[
        SignalBallot(id=b.ballot_id, voter_id=b.voter_id, cast_at=local_time(b.cast_at),
                     registered_at=local_time(b.registered_at), address=b.address or "—")
        for b in f.ballots[:SHOWN_BALLOTS]]) for f in found]
