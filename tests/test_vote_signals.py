"""Manipulation signals: a burst, fresh accounts and one address are found with exactly the ballots
planted; a clean vote of the same size raises nothing; only builders see them."""

from datetime import date, timedelta

import pytest

from pos_dashboard.analytics import vote_signals
from pos_dashboard.analytics.vote_signals import BallotFact, detect
from pos_dashboard.domain.models import User
from pos_dashboard.services import votes
from pos_dashboard.services.errors import PermissionDenied

from .factories import build_region
from .test_votes import DURING, ENDS, STARTS, _citizen, _vote

OPEN, UNTIL = STARTS, STARTS + timedelta(days=10)
OLD_ACCOUNT = STARTS - timedelta(days=400)


def _clean(n: int = 2000) -> list[BallotFact]:
    """Ballots spread evenly over ten days from year-old accounts at distinct addresses."""
    step = (UNTIL - OPEN) / n
    return [BallotFact(k, k, OPEN + step * k, OLD_ACCOUNT, f"10.{k // 250}.{k % 250}.1") for k in range(n)]


def test_a_clean_vote_raises_nothing():
    assert detect(_clean(), opened_at=OPEN, until=UNTIL) == []


def test_a_burst_is_found_with_exactly_its_ballots():
    base = _clean()
    at = OPEN + timedelta(days=3, hours=2)
    planted = [BallotFact(10_000 + k, 10_000 + k, at + timedelta(seconds=2 * k), OLD_ACCOUNT, f"172.16.0.{k}")
               for k in range(30)]  # 30 ballots in 58 s where about 0.14 a minute is usual
    found = detect(base + planted, opened_at=OPEN, until=UNTIL)
    assert [f.kind for f in found] == ["burst"]
    assert {b.ballot_id for b in found[0].ballots} == {b.ballot_id for b in planted} | {
        b.ballot_id for b in base if at <= b.cast_at <= planted[-1].cast_at}
    assert "30 голосов" in found[0].title or "31 голосов" in found[0].title
    near_miss = planted[:BURST_BELOW]  # 19 in a minute: below the minimum, nothing
    assert detect(base + near_miss, opened_at=OPEN, until=UNTIL) == []


BURST_BELOW = vote_signals.BURST_MIN - 1


def test_fresh_accounts_and_one_address_are_found():
    base = _clean(200)
    fresh = [BallotFact(5000 + k, 5000 + k, OPEN + timedelta(days=k % 9, hours=5), OPEN + timedelta(days=k % 9),
                        f"192.0.2.{k}") for k in range(15)]  # registered five hours before voting
    crowded = [BallotFact(6000 + k, 6000 + k, OPEN + timedelta(days=k % 9, hours=7), OLD_ACCOUNT, "203.0.113.7")
               for k in range(12)]
    found = {f.kind: f for f in detect(base + fresh + crowded, opened_at=OPEN, until=UNTIL)}
    assert set(found) == {"fresh_accounts", "one_address"}
    assert {b.ballot_id for b in found["fresh_accounts"].ballots} == {b.ballot_id for b in fresh}
    assert {b.ballot_id for b in found["one_address"].ballots} == {b.ballot_id for b in crowded}
    assert "203.0.113.7" in found["one_address"].title
    below = detect(base + fresh[:9] + crowded[:9], opened_at=OPEN, until=UNTIL)
    assert below == []


def test_signals_read_from_the_database_for_builders_only(session):
    region = build_region(session)
    vote_id, options = _vote(session, region)
    voters = []
    for k in range(12):
        actor = _citizen(session, f"fresh{k}", date(1990, 1, 1), region.t_city)
        session.get(User, actor.user_id).created_at = DURING - timedelta(hours=1)
        voters.append(actor)
    session.commit()
    for k, voter in enumerate(voters):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[0]],
                          client_token=f"token-{k:04d}", client_address="198.51.100.9",
                          now=DURING + timedelta(minutes=3 * k))
    signals = vote_signals.vote_signals(session, actor=region.coordinator, vote_id=vote_id, now=ENDS)
    assert {s["kind"]: s["count"] for s in signals} == {"fresh_accounts": 12, "one_address": 12}
    assert {b["voter_id"] for b in signals[0]["ballots"]} == {v.user_id for v in voters}
    for actor in (voters[0], region.staff[region.o_uk]):
        with pytest.raises(PermissionDenied):
            vote_signals.vote_signals(session, actor=actor, vote_id=vote_id, now=ENDS)
