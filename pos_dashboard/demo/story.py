"""The life of one appeal: a random but realistic path through the workflow, walked with
`Lifecycle` so that every step is legal. The walk stops at `now`, leaving recent appeals open.

Shares and delays (working days of office time unless said otherwise) are the constants below.
"""

import math
from datetime import timedelta

from ..domain.enums import Role, Status
from ..domain import workflow
from ..domain.workflow import LOW_RATING_MAX
from . import texts
from .clock import DemoClock
from .rand import DemoRandom, cumulative
from .lifecycle import SYSTEM, Actor, AppealState, Lifecycle, StopWalk
from .reference import Reference
from .region import Municipality
from .routing_plan import LeafInfo

REJECT_SHARE = 0.065
CATEGORY_CHANGE_SHARE = 0.02
SYSTEM_MODERATION_SHARE = 0.05  # approved automatically (trusted channel)
REDIRECT_SHARE = 0.08
SECOND_REDIRECT_SHARE = 0.1
CLARIFICATION_SHARE = 0.06
SILENT_SHARE = 0.2  # of clarification requests: the citizen never answers
INTERIM_SHARE = 0.15
REWORK_SHARE = 0.07
EXTEND_WHEN_LATE_SHARE = 0.4
RATED_SHARE = 0.42
RATED_AGAIN_SHARE = 0.6  # after a re-review the citizen rates the new answer
SCORES, SCORE_WEIGHTS = (5, 4, 3, 2, 1), cumulative((52, 15, 6, 5, 22))
RE_REVIEW_SHARE = 0.45
DISPUTE_AFTER_GOOD_RATING = 0.015
DISPUTE_INSTEAD_OF_RATING = 0.005
DISPUTE_AFTER_AUTO_CLOSE = 0.01
DEADLINE_DRIVEN_SHARE = 0.25  # organisations that answer on the last day
LATE_SHARE = 0.06  # … and those that miss the deadline
AUTO_CLOSE_AFTER = int(workflow.AUTO_CLOSE_AFTER.total_seconds())  # seconds, as the story counts time
SILENT_AFTER = int(workflow.CLARIFICATION_SILENCE_LIMIT.total_seconds())


def lognormal(rng: DemoRandom, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


class Story:
    def __init__(self, lifecycle: Lifecycle, clock: DemoClock, ref: Reference, rng: DemoRandom):
        self.lc, self.clock, self.ref, self.rng = lifecycle, clock, ref, rng
        self.leaves_by_id = {leaf.id: leaf for leaf in ref.leaves}
        self.siblings = {leaf.id: [other.id for other in ref.leaves if other.top_id == leaf.top_id
                                   and other is not leaf] for leaf in ref.leaves}
        self.coordinators = [Actor(uid, Role.COORDINATOR.value) for uid in ref.coordinator_ids]
        self.staff = {org: [Actor(uid, Role.ORG_STAFF.value, org) for uid in users]
                      for org, users in ref.staff_by_org.items()}
        self._redirect_targets: dict[tuple[int, int], list[int]] = {}
        self._where = ""  # the address of the appeal being walked

    def live(self, a: AppealState, leaf: LeafInfo, mo: Municipality, where: str) -> None:
        """Walk the appeal from submission as far as `now` allows."""
        self._where = where
        self.lc.submit(a, Actor(a.citizen_id, Role.CITIZEN.value), a.created)
        try:
            self._moderate_and_route(a, leaf, mo)
            if a.status != Status.IN_WORK:
                return
            leaf = self.leaves_by_id[a.category_id]
            approved = self._execute(a, a.last_at, leaf, mo, first_round=True)
            if approved is not None:
                self._after_answer(a, approved, leaf, mo, rounds_left=1)
        except StopWalk:
            pass

    # --- stages ---

    def _moderate_and_route(self, a, leaf, mo) -> None:
        rng, coordinator = self.rng, self._coordinator()
        moderated = self.clock.office_after(a.created, lognormal(rng, 0.15, 0.9))
        if rng.random() < CATEGORY_CHANGE_SHARE and self.siblings[leaf.id]:
            self.lc.change_category(a, coordinator, moderated, rng.choice(self.siblings[leaf.id]),
                                    "Категория уточнена модератором")
        if rng.random() < REJECT_SHARE:
            reason = rng.weighted(texts.REJECTION_CODES, texts.REJECTION_WEIGHTS)
            self.lc.act(a, "reject", coordinator, moderated, reason)
            return
        moderator = SYSTEM if rng.random() < SYSTEM_MODERATION_SHARE else coordinator
        self.lc.act(a, "approve_moderation", moderator, moderated)
        if a.status == Status.COORDINATION:  # no routing rule: the coordinator's triage queue
            routed = self.clock.office_after(moderated, lognormal(rng, 0.6, 0.9))
            leaf = self.leaves_by_id[a.category_id]
            self.lc.act(a, "route", coordinator, routed, organization_id=rng.choice(self.ref.triage(leaf, mo)))

    def _execute(self, a, start, leaf, mo, first_round: bool) -> int | None:
        """One round of work by the organisation, up to the coordinator's approval of the answer.
        Returns the approval time, or None if the appeal was rejected on the way."""
        rng, clock, lc = self.rng, self.clock, self.lc
        t = start
        if first_round and rng.random() < REDIRECT_SHARE:
            t = self._redirect(a, t, leaf, mo)
            if rng.random() < SECOND_REDIRECT_SHARE:
                t = self._redirect(a, t, leaf, mo)
        staff = rng.choice(self.staff[a.organization_id])
        answer_at = self._answer_time(a, t, leaf)
        if rng.random() < CLARIFICATION_SHARE:
            asked = clock.office_after(t, rng.uniform(0.2, 1.5))
            lc.act(a, "request_clarification", staff, asked, rng.choice(texts.CLARIFICATION_REQUESTS))
            if rng.random() < SILENT_SHARE:
                lc.act(a, "auto_reject_silent", SYSTEM, asked + SILENT_AFTER, texts.SILENT_REASON)
                return None
            back = min(clock.awake_after(asked, lognormal(rng, 18, 1.0)), asked + SILENT_AFTER - 3600)
            lc.act(a, "clarify", Actor(a.citizen_id, Role.CITIZEN.value), back)
            answer_at = max(answer_at + (back - asked), clock.office_after(back, 0.3))
        if rng.random() < INTERIM_SHARE:
            interim_at = clock.office_after(a.last_at + int((answer_at - a.last_at) * rng.uniform(0.1, 0.5)), 0)
            planned = clock.local_date(min(interim_at, lc.now)) + timedelta(days=rng.randint(7, 45))
            text = texts.interim_text(rng, texts.russian_date(planned))
            lc.act(a, "give_interim_answer", staff, interim_at, text=text, planned_date=planned)
        if a.deadline and answer_at > a.deadline and not a.extended and rng.random() < EXTEND_WHEN_LATE_SHARE:
            extend_at = max(clock.office_after(a.deadline - 3 * 86400, 0), a.last_at)
            lc.extend(a, staff, extend_at, rng.choice((5, 10, 15, 20)), rng.choice(texts.EXTENSION_REASONS))
            if rng.random() < 0.8:
                answer_at = min(answer_at, a.deadline - rng.randint(4, 30) * 3600)
        self._give_answer(a, staff, answer_at, leaf, mo)
        reworks = 0
        while True:
            reviewed = clock.office_after(a.last_at, lognormal(rng, 0.35, 0.7))
            if reworks < 2 and rng.random() < REWORK_SHARE:
                lc.act(a, "return_for_rework", self._coordinator(), reviewed, rng.choice(texts.REWORK_REASONS))
                reworks += 1
                self._give_answer(a, staff, clock.office_after(reviewed, lognormal(rng, 1.5, 0.7)), leaf, mo)
                continue
            lc.act(a, "approve_answer", self._coordinator(), reviewed)
            return reviewed

    def _after_answer(self, a, answered, leaf, mo, rounds_left: int) -> None:
        rng, clock, lc = self.rng, self.clock, self.lc
        citizen = Actor(a.citizen_id, Role.CITIZEN.value)
        if rng.random() < (RATED_SHARE if a.rating is None else RATED_AGAIN_SHARE):
            rated = clock.awake_after(answered, min(rng.expovariate(1 / 30), AUTO_CLOSE_AFTER / 3600 - 24))
            score = rng.weighted(SCORES, SCORE_WEIGHTS)
            comments = texts.POOR_RATING_COMMENTS if score <= LOW_RATING_MAX else texts.GOOD_RATING_COMMENTS
            lc.rate(a, citizen, rated, score, rng.choice(comments))
            if score <= LOW_RATING_MAX:
                self._control(a, rated, leaf, mo, rounds_left)
            elif rng.random() < DISPUTE_AFTER_GOOD_RATING:
                self._dispute(a, clock.awake_after(rated, lognormal(rng, 48, 0.8)), leaf, mo, rounds_left)
            return
        if rng.random() < DISPUTE_INSTEAD_OF_RATING:
            self._dispute(a, clock.awake_after(answered, lognormal(rng, 24, 0.8)), leaf, mo, rounds_left)
            return
        closed = answered + AUTO_CLOSE_AFTER
        lc.act(a, "auto_close", SYSTEM, closed)
        if rng.random() < DISPUTE_AFTER_AUTO_CLOSE:
            self._dispute(a, clock.awake_after(closed, lognormal(rng, 72, 0.8)), leaf, mo, rounds_left)

    def _dispute(self, a, at, leaf, mo, rounds_left) -> None:
        self.lc.act(a, "dispute", Actor(a.citizen_id, Role.CITIZEN.value), at, self.rng.choice(texts.DISPUTE_TEXTS))
        self._control(a, at, leaf, mo, rounds_left)

    def _control(self, a, at, leaf, mo, rounds_left) -> None:
        """Under control after a poor rating or a dispute: re-review once, or confirm."""
        decided = self.clock.office_after(at, lognormal(self.rng, 1.0, 0.8))
        if rounds_left > 0 and self.rng.random() < RE_REVIEW_SHARE:
            self.lc.act(a, "re_review", self._coordinator(), decided, self.rng.choice(texts.RE_REVIEW_REASONS))
            approved = self._execute(a, decided, leaf, mo, first_round=False)
            if approved is not None:
                self._after_answer(a, approved, leaf, mo, rounds_left - 1)
        else:
            self.lc.act(a, "confirm_closure", self._coordinator(), decided)

    # --- pieces ---

    def _redirect(self, a, t, leaf, mo) -> int:
        rng, clock = self.rng, self.clock
        by_staff = rng.random() < 0.8
        actor = rng.choice(self.staff[a.organization_id]) if by_staff else self._coordinator()
        redirected = clock.office_after(t, lognormal(rng, 0.8, 0.8))
        self.lc.act(a, "redirect", actor, redirected, rng.choice(texts.REDIRECT_REASONS))
        targets = [org for org in self._targets(leaf, mo) if org != a.organization_id]
        routed = clock.office_after(redirected, lognormal(rng, 0.5, 0.8))
        self.lc.act(a, "route", self._coordinator(), routed, organization_id=rng.choice(targets))
        return routed

    def _targets(self, leaf, mo) -> list[int]:
        key = (leaf.id, mo.territory_id)
        if key not in self._redirect_targets:
            local = self.ref.organizations.local[mo.territory_id]
            targets = dict.fromkeys(self.ref.triage(leaf, mo)[:3] + local["admin"] + local["road"]
                                    + local.get("blag", []) + local["uk"][:2])
            self._redirect_targets[key] = list(targets)
        return self._redirect_targets[key]

    def _answer_time(self, a, start, leaf) -> int:
        """When the organisation answers: lognormal (median 5 working days, 2 for expedited), but
        a quarter work to the deadline and answer in its last days, and a few miss it."""
        rng, clock = self.rng, self.clock
        u = rng.random()
        answer_at = clock.office_after(start, lognormal(rng, 2 if leaf.expedited else 5, 0.8))
        if a.deadline is not None:
            near_deadline = a.deadline - rng.randint(4 * 3600, 3 * 86400)
            if u < DEADLINE_DRIVEN_SHARE or (answer_at > near_deadline and u < 1 - LATE_SHARE):
                answer_at = near_deadline
            elif u >= 1 - LATE_SHARE:
                answer_at = clock.office_after(a.deadline, lognormal(rng, 5, 1.0))
        return max(answer_at, clock.office_after(start, 0.1))

    def _give_answer(self, a, staff, at, leaf, mo) -> None:
        rng = self.rng
        when = texts.russian_date(self.clock.local_date(min(at, self.lc.now)))
        text = texts.answer_text(rng, a.id, leaf.name, self._where, when)
        photos = [f"demo/answers/{a.id}-{k}.jpg" for k in range(1, 3)] if leaf.evidence_required else None
        self.lc.act(a, "give_answer", staff, at, text=text, attachments=photos)

    def _coordinator(self) -> Actor:
        return self.rng.choice(self.coordinators)
