"""Public votes: eligibility, one person one ballot (also under concurrent submits), idempotent
retries, forged submissions, results hidden until closing, turnout and bands worked by hand."""

import json
import threading
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from pos_dashboard.analytics import votes as vote_views
from pos_dashboard.domain.enums import Role
from pos_dashboard.domain.models import User
from pos_dashboard.domain.participation import Ballot, Eligibility, ResultsVisibility, Vote, age_on
from pos_dashboard.services import votes
from pos_dashboard.services.actors import Actor
from pos_dashboard.services.errors import IllegalTransition, NotFound, PermissionDenied, ValidationFailed

from .factories import T0, build_region

STARTS, ENDS = T0, T0 + timedelta(days=10)  # closes 13 March 2025, Moscow
DURING, AFTER = T0 + timedelta(days=2), T0 + timedelta(days=11)
CLOSING_DAY = date(2025, 3, 13)


def _citizen(session, login, birth_date, territory_id) -> Actor:
    user = User(login=login, full_name=login, role=Role.CITIZEN, birth_date=birth_date, territory_id=territory_id)
    session.add(user)
    session.commit()
    return Actor.of(user)


def _vote(session, region, **overrides) -> tuple[int, list[int]]:
    params = dict(title="Какую территорию благоустроить", description="", territory_id=region.t_city,
                  starts_at=STARTS, ends_at=ENDS, max_choices=2,
                  options=[votes.OptionInput("Сквер у ДК"), votes.OptionInput("Набережная"),
                           votes.OptionInput("Парк Победы")])
    vote = votes.create_vote(session, actor=region.coordinator, **(params | overrides))
    options = [o["id"] for o in vote_views.ballot_view(session, actor=region.coordinator, vote_id=vote.id,
                                                    now=DURING)["options"]]
    return vote.id, options


def _ballots(session, vote_id) -> int:
    return session.exec(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote_id)).one()


def test_age_on_counts_full_years_including_leap_birthdays():
    assert age_on(date(2011, 3, 14), CLOSING_DAY) == 13  # 14 tomorrow: not yet
    assert age_on(date(2011, 3, 13), CLOSING_DAY) == 14
    assert age_on(date(2008, 2, 29), date(2022, 2, 28)) == 13
    assert age_on(date(2008, 2, 29), date(2022, 3, 1)) == 14


def test_eligibility_edges(session):
    region = build_region(session)
    vote_id, options = _vote(session, region)
    resident = _citizen(session, "micro", date(1990, 1, 1), region.t_micro)  # sub-territory of the city
    almost_14 = _citizen(session, "teen", date(2011, 3, 14), region.t_city)  # 13 years 364 days on closing day
    just_14 = _citizen(session, "teen2", date(2011, 3, 13), region.t_city)
    rural = _citizen(session, "rural", date(1980, 5, 5), region.t_rural)
    no_birth = _citizen(session, "nobirth", None, region.t_city)

    assert votes.cast_ballot(session, actor=resident, vote_id=vote_id, option_ids=[options[0]],
                             client_token="tok-resident", now=DURING).repeated is False
    assert votes.cast_ballot(session, actor=just_14, vote_id=vote_id, option_ids=[options[1]],
                             client_token="tok-just14", now=DURING)
    for actor, message in ((almost_14, "с 14 лет"), (rural, "другой территории"), (no_birth, "дату рождения")):
        with pytest.raises(PermissionDenied, match=message):
            votes.cast_ballot(session, actor=actor, vote_id=vote_id, option_ids=[options[0]],
                              client_token="tok-refused", now=DURING)
    with pytest.raises(PermissionDenied, match="заявител"):
        votes.cast_ballot(session, actor=region.coordinator, vote_id=vote_id, option_ids=[options[0]],
                          client_token="tok-staff", now=DURING)
    assert _ballots(session, vote_id) == 2


def test_moving_after_voting_does_not_move_past_results(session):
    region = build_region(session)
    vote_id, options = _vote(session, region)
    voter = _citizen(session, "mover", date(1990, 1, 1), region.t_district)
    votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[0]], client_token="tok-mover",
                      now=DURING)
    user = session.get(User, voter.user_id)
    user.territory_id, user.birth_date = region.t_rural, date(2015, 1, 1)
    session.commit()
    results = vote_views.vote_results(session, actor=region.official, vote_id=vote_id, now=AFTER)
    assert results["by_territory"] == [{"label": "Центральный район", "voters": 1, "share": "100,0 %"}]
    assert results["by_age"][0]["label"] == "30–44 лет"


def test_second_ballot_refused_and_retry_gets_the_same_answer(session):
    region = build_region(session)
    vote_id, options = _vote(session, region)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    first = votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[2], options[0]],
                              client_token="tok-first", now=DURING)
    retry = votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[1]],
                              client_token="tok-first", now=DURING + timedelta(seconds=30))
    assert (retry.ballot_id, retry.option_ids, retry.repeated) == (first.ballot_id, (options[0], options[2]), True)
    with pytest.raises(IllegalTransition, match="уже проголосовали"):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[1]],
                          client_token="tok-second-tab", now=DURING)
    assert _ballots(session, vote_id) == 1


@pytest.mark.parametrize("option_ids, message", [
    ([], "хотя бы один"), (None, "из списка"), (["1"], "из списка"), ([True], "из списка"),
])
def test_malformed_choices_are_refused(session, option_ids, message):
    region = build_region(session)
    vote_id, _options = _vote(session, region)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    with pytest.raises(ValidationFailed, match=message):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=option_ids, client_token="tok-bad-1",
                          now=DURING)
    assert _ballots(session, vote_id) == 0


def test_forged_submissions_write_nothing(session):
    region = build_region(session)
    vote_id, options = _vote(session, region, max_choices=1)
    other_vote, other_options = _vote(session, region, title="Другое голосование")
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    with pytest.raises(ValidationFailed, match="этого голосования"):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[other_options[0]],
                          client_token="tok-forged", now=DURING)
    with pytest.raises(ValidationFailed, match="не больше 1"):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=options[:2], client_token="tok-forged",
                          now=DURING)
    with pytest.raises(PermissionDenied, match="завершено"):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[0]], client_token="tok-late",
                          now=AFTER)
    with pytest.raises(ValidationFailed):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[0]], client_token="x",
                          now=DURING)
    with pytest.raises(NotFound):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id + 1000, option_ids=[options[0]],
                          client_token="tok-missing", now=DURING)
    assert _ballots(session, vote_id) == _ballots(session, other_vote) == 0


def test_results_hidden_until_closing_unless_live(session):
    region = build_region(session)
    vote_id, options = _vote(session, region)
    live_id, _ = _vote(session, region, title="Живые результаты", results_visibility=ResultsVisibility.LIVE)
    for actor in (region.official, region.coordinator, region.admin):
        with pytest.raises(PermissionDenied, match="после окончания"):
            vote_views.vote_results(session, actor=actor, vote_id=vote_id, now=DURING)
    assert vote_views.vote_results(session, actor=region.official, vote_id=live_id, now=DURING)["voters"] == 0
    votes.close_early(session, actor=region.coordinator, vote_id=vote_id, now=DURING)
    assert vote_views.vote_results(session, actor=region.official, vote_id=vote_id, now=DURING)["closed"] is True
    with pytest.raises(PermissionDenied):
        vote_views.vote_results(session, actor=region.staff[region.o_uk], vote_id=vote_id, now=AFTER)


def test_results_worked_by_hand(session):
    region = build_region(session)
    vote_id, (a, b, c) = _vote(session, region)
    voters = [_citizen(session, f"v{k}", birth, region.t_district)
              for k, birth in enumerate((date(2010, 1, 1), date(1999, 1, 1), date(1970, 1, 1), date(1950, 1, 1)))]
    _citizen(session, "stayed_home", date(1980, 1, 1), region.t_micro)  # eligible, did not vote
    _citizen(session, "too_young", date(2015, 1, 1), region.t_city)  # not eligible
    _citizen(session, "elsewhere", date(1980, 1, 1), region.t_rural)  # not eligible
    for voter, choice in zip(voters, ([a, b], [a], [b, c], [a]), strict=True):
        votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=choice,
                          client_token=f"token-{voter.user_id:04d}", now=DURING)
    results = vote_views.vote_results(session, actor=region.official, vote_id=vote_id, now=AFTER)
    assert [(r["title"], r["votes"], r["share"]) for r in results["rows"]] == [
        ("Сквер у ДК", 3, "75,0 %"), ("Набережная", 2, "50,0 %"), ("Парк Победы", 1, "25,0 %")]
    assert (results["voters"], results["eligible"], results["turnout"]) == (4, 5, "80,0 %")
    assert [(r["label"], r["voters"]) for r in results["by_age"]] == [
        ("14–17 лет", 1), ("18–29 лет", 1), ("45–59 лет", 1), ("60 лет и старше", 1)]


def test_citizen_sees_votes_of_their_territory_with_reasons(session):
    region = build_region(session)
    city_vote, _ = _vote(session, region)
    rural_vote, _ = _vote(session, region, title="Сельское голосование", territory_id=region.t_rural)
    everyone_vote, _ = _vote(session, region, title="Для всех", territory_id=region.t_rural,
                             eligibility=Eligibility.EVERYONE)
    teen = _citizen(session, "teen", date(2012, 1, 1), region.t_micro)
    listed = {item["id"]: item for item in vote_views.vote_list(session, actor=teen, now=DURING)}
    assert set(listed) == {city_vote, everyone_vote}
    assert listed[city_vote]["can_vote"] is False and "14 лет" in listed[city_vote]["reason"]
    staff_listed = vote_views.vote_list(session, actor=region.coordinator, now=DURING)
    assert {item["id"] for item in staff_listed} == {city_vote, rural_vote, everyone_vote}
    with pytest.raises(PermissionDenied):
        vote_views.vote_list(session, actor=region.staff[region.o_uk], now=DURING)


def test_builder_rules(session):
    region = build_region(session)
    voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    with pytest.raises(PermissionDenied):
        votes.create_vote(session, actor=voter, title="Голосование", description="", territory_id=None,
                          starts_at=STARTS, ends_at=ENDS, max_choices=1,
                          options=[votes.OptionInput("Аллея"), votes.OptionInput("Бульвар")])
    with pytest.raises(ValidationFailed, match="повторяться"):
        _vote(session, region, options=[votes.OptionInput("Сквер"), votes.OptionInput("Сквер")])
    with pytest.raises(ValidationFailed, match="позже"):
        _vote(session, region, ends_at=STARTS)
    vote_id, options = _vote(session, region)
    votes.cast_ballot(session, actor=voter, vote_id=vote_id, option_ids=[options[0]], client_token="tok-voter",
                      now=DURING)
    with pytest.raises(IllegalTransition, match="только завершить"):
        votes.delete_vote(session, actor=region.coordinator, vote_id=vote_id)
    empty_id, _ = _vote(session, region, title="Пустое")
    votes.delete_vote(session, actor=region.coordinator, vote_id=empty_id)
    assert session.get(Vote, empty_id) is None


def test_concurrent_duplicate_submits_give_one_ballot(engine):
    with Session(engine, expire_on_commit=False) as session:
        region = build_region(session)
        session.commit()
        vote_id, options = _vote(session, region)
        voter = _citizen(session, "voter", date(1985, 6, 1), region.t_city)
    tokens = ["tok-same"] * 6 + ["tok-other-tab"] * 2
    outcomes, barrier = [], threading.Barrier(len(tokens))

    def submit(token):
        with Session(engine, expire_on_commit=False) as own:
            barrier.wait()
            try:
                receipt = votes.cast_ballot(own, actor=voter, vote_id=vote_id, option_ids=[options[0]],
                                            client_token=token, now=DURING)
                outcomes.append(("ok", token, receipt.ballot_id))
            except IllegalTransition:
                outcomes.append(("refused", token, None))

    threads = [threading.Thread(target=submit, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine) as session:
        ballots = session.exec(select(Ballot).where(Ballot.vote_id == vote_id)).all()
    assert len(ballots) == 1 and len(outcomes) == len(tokens)
    winner = ballots[0].client_token
    assert {o[2] for o in outcomes if o[0] == "ok"} == {ballots[0].id}
    assert all(o[0] == "ok" for o in outcomes if o[1] == winner)
    assert all(o[0] == "refused" for o in outcomes if o[1] != winner)
    assert json.loads(ballots[0].option_ids) == [options[0]]
