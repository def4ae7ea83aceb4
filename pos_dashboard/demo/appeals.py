"""Appeals of the demo region over the last `history_days` up to `now`, in chunks of plain rows.

Volume follows a weekday rhythm (fewer on weekends and holidays), a growth trend and the seasons
of the categories (snow in winter, potholes in spring, grass and playgrounds in summer, heating
in autumn). Each appeal gets a municipality (by population), a place, a citizen, a channel, a
Russian text with an address and a point near the place's centre, and then lives its story.
"""

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from ..domain.search_words import document_words, folded_address
from .clock import DemoClock
from .lifecycle import AppealState, Lifecycle
from .rand import DemoRandom, cumulative
from .reference import Reference
from .story import Story
from .texts import address, appeal_text

CHANNELS, CHANNEL_WEIGHTS = ("mobile", "gosuslugi", "web", "social", "phone"), cumulative((36, 30, 22, 7, 5))
WEEKDAY_FACTOR = (1.0, 1.03, 1.0, 0.97, 0.9, 0.55, 0.48)  # Monday … Sunday
HOLIDAY_FACTOR = 0.5  # a non-working weekday (New Year holidays, 9 May …)
HOUR_WEIGHTS = (0.4, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.6, 3.2, 5.0, 5.6, 5.6, 5.2, 5.0, 5.0, 4.8,
                4.6, 4.4, 4.4, 4.6, 4.6, 4.0, 2.8, 1.4)  # local hour of submission
RURAL_FACTOR = {"uk": 0.15, "transport": 0.4, "trade": 0.5, "road_region": 3.0, "gas": 3.0, None: 1.5}
RECENT_DAYS = 42  # the named citizen has a few appeals in these last weeks (still open)


@dataclass
class Chunk:
    """Rows of the five big tables, times as epoch seconds."""

    appeals: list[tuple]
    events: list[tuple]
    answers: list[list]
    ratings: list[list]
    disputes: list[list]

    def row_count(self) -> int:
        return len(self.appeals) + len(self.events) + len(self.answers) + len(self.ratings) + len(self.disputes)


class AppealGenerator:
    def __init__(self, ref: Reference, clock: DemoClock, seed: int, now: int, n_appeals: int, history_days: int):
        self.ref, self.clock, self.now, self.n_appeals = ref, clock, now, n_appeals
        self.rng = DemoRandom(f"{seed}:appeals")
        self.lifecycle = Lifecycle(clock, ref.router, {row[0]: (row[3], row[4]) for row in ref.categories.rows},
                                   now, ref.next_ids)
        self.story = Story(self.lifecycle, clock, ref, self.rng)
        parents = {row[0]: row[2] for row in ref.categories.rows}
        self.top_category = {leaf: _root(parents, leaf) for leaf in parents}
        today = clock.day_index(now)
        self.day_indices = list(range(today - history_days + 1, today + 1))
        weights = [self._day_weight(i, k / len(self.day_indices)) for k, i in enumerate(self.day_indices)]
        weights[-1] *= self._share_of_day_elapsed(today)
        p = np.array(weights) / sum(weights)
        self.counts = np.random.default_rng(seed).multinomial(n_appeals, p).tolist()
        self._prepare_choices()
        recent_share = sum(weights[-RECENT_DAYS:]) / sum(weights)
        capital_appeals = n_appeals * self.mo_weights[0] / sum(self.mo_weights)
        self.p_demo_recent = min(0.5, 20 / max(1.0, capital_appeals * recent_share))
        self.p_demo_old = min(0.5, 25 / max(1.0, capital_appeals * (1 - recent_share)))
        self.recent_from = today - RECENT_DAYS
        self.demo_citizen = ref.named_user_ids["citizen"]

    def chunks(self, chunk_size: int):
        """Chunks of rows, appeals in order of creation (ids follow time)."""
        appeals = []
        next_id = self.ref.next_ids["appeal"]
        for day, count in zip(self.day_indices, self.counts):
            for created in self._times_in_day(day, count):
                appeals.append(self._appeal(next_id, day, created))
                next_id += 1
                if len(appeals) >= chunk_size:
                    yield Chunk(appeals, *self.lifecycle.take_rows())
                    appeals = []
        self.ref.next_ids["appeal"] = next_id
        if appeals:
            yield Chunk(appeals, *self.lifecycle.take_rows())

    # --- one appeal ---

    def _appeal(self, appeal_id: int, day: int, created: int) -> tuple:
        rng = self.rng
        mo_index = bisect_right(self.mo_cum, rng.random() * self.mo_cum[-1])
        mo = self.ref.municipalities[mo_index]
        place = mo.places[bisect_right(self.place_cum[mo_index], rng.random() * self.place_cum[mo_index][-1])]
        month = self.clock.days[day].month - 1
        cum = self.leaf_cum[place.urban][month]
        leaf = self.ref.leaves[bisect_right(cum, rng.random() * cum[-1])]
        citizens = self.ref.citizens_by_municipality[mo.territory_id]
        citizen = citizens[int(len(citizens) * rng.random() ** 2.2)]
        if mo_index == 0 and rng.random() < (self.p_demo_recent if day > self.recent_from else self.p_demo_old):
            citizen = self.demo_citizen
        where = address(rng, place.locality, place.urban)
        text = appeal_text(rng, leaf.says, where)
        lat = round(rng.gauss(place.lat, place.spread), 6)
        lon = round(rng.gauss(place.lon, place.spread * 1.9), 6)
        channel = rng.weighted(CHANNELS, CHANNEL_WEIGHTS)
        a = AppealState(appeal_id, citizen, leaf.id, place.territory_id, created)
        self.story.live(a, leaf, mo, where)
        return (a.id, None, a.citizen_id, a.category_id, a.territory_id, a.organization_id, text, where, lat, lon,
                channel, a.status, a.created, a.updated, a.deadline, a.stage_due, a.paused,
                a.extended, a.first_answer, a.final_answer, a.closed, a.rating,
                0, self.top_category[a.category_id], mo.territory_id,  # version 0: the services move it
                False, None,  # the platform's own appeal: not imported history, never adopted
                document_words(text), folded_address(where))

    # --- volume and choices ---

    def _day_weight(self, day: int, position: float) -> float:
        date = self.clock.days[day]
        weight = WEEKDAY_FACTOR[date.weekday()]
        if date.weekday() < 5 and not self.clock.working[day]:
            weight *= HOLIDAY_FACTOR
        month = date.month - 1
        leaves = self.ref.leaves
        season = sum(leaf.weight * leaf.season[month] for leaf in leaves) / sum(leaf.weight for leaf in leaves)
        return weight * (0.7 + 0.6 * position) * season

    def _share_of_day_elapsed(self, today: int) -> float:
        hour = self.clock.seconds_into_day(self.now) / 3600
        done = sum(HOUR_WEIGHTS[:int(hour)]) + HOUR_WEIGHTS[int(hour)] * (hour % 1)
        return max(done / sum(HOUR_WEIGHTS), 0.01)

    def _times_in_day(self, day: int, count: int) -> list[int]:
        rng, times = self.rng, []
        limit = self.now - self.clock.midnights[day]
        for _ in range(count):
            seconds = (bisect_right(self.hour_cum, rng.random() * self.hour_cum[-1]) * 3600
                       + rng.randrange(3600))
            if seconds > limit:  # today: nothing after now
                seconds = rng.randrange(max(1, limit))
            times.append(self.clock.midnights[day] + seconds)
        return sorted(times)

    def _prepare_choices(self) -> None:
        ref = self.ref
        self.mo_weights = [mo.population * (1.0 if mo.is_city else 0.75) for mo in ref.municipalities]
        self.mo_cum = list(accumulate(self.mo_weights))
        self.place_cum = [list(accumulate(place.weight for place in mo.places)) for mo in ref.municipalities]
        self.hour_cum = list(accumulate(HOUR_WEIGHTS))
        self.leaf_cum = {
            urban: [list(accumulate(
                leaf.weight * leaf.season[month] * (1.0 if urban else RURAL_FACTOR.get(leaf.responsible, 1.0))
                for leaf in ref.leaves)) for month in range(12)]
            for urban in (True, False)
        }


def _root(parents: dict[int, int | None], node: int) -> int:
    while parents.get(node) is not None:
        node = parents[node]
    return node
