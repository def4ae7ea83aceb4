"""A seeded random generator with cheaper choice/randint/randrange than the standard library's
(one call to random() each). Deterministic for a given seed, like random.Random."""

import random
from bisect import bisect_right
from itertools import accumulate


class DemoRandom(random.Random):
    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def weighted(self, items, cum_weights):
        """One item, chosen with the given cumulative weights (see `cumulative`)."""
        return items[bisect_right(cum_weights, self.random() * cum_weights[-1])]


def cumulative(weights) -> list[float]:
    return list(accumulate(weights))
