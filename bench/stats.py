"""Statistics shared by the benchmark scripts."""

import statistics


def p95(values: list[float]) -> float:
    """95th percentile (inclusive method); the value itself for a single run."""
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
