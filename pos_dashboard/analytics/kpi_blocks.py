"""The rollups' blocks (`domain.kpi_measures.kpi_block`) covering some periods, read in one query
and stacked into numpy matrices, and the column sums of such rows per group."""

import numpy as np
from sqlalchemy import and_, or_, select

from ..domain.kpi_measures import BLOBS, cover, kpi_block
from ..services.bulk_ints import fetch_rows


class Blocks:
    """The matrices of the blocks covering some periods, stacked, with each row's organisation and
    period index, narrowed to a selection's keys."""

    def __init__(self, conn, periods: list[tuple[int, int]], keys: dict, names=tuple(BLOBS)):
        pieces = {piece: index for index, (lo, hi) in enumerate(periods) for piece in cover(lo, hi)}
        t = kpi_block
        by_level: dict[int, list[int]] = {}
        for level, first_day in pieces:
            by_level.setdefault(level, []).append(first_day)
        rows = []
        if pieces:
            where = [or_(*(and_(t.c.level == level, t.c.first_day.in_(days)) for level, days in by_level.items()))]
            if "organization_id" in keys:
                where.append(t.c.organization_id.in_(keys["organization_id"]))
            rows = fetch_rows(conn, select(t.c.level, t.c.first_day, t.c.organization_id, *(t.c[n] for n in names))
                              .where(*where))
        period = np.array([pieces[(row[0], row[1])] for row in rows], dtype="int64")
        organisation = np.array([row[2] for row in rows], dtype="int64")
        self.matrices = {}
        for position, name in enumerate(names, start=3):
            width = len(BLOBS[name])
            blobs = [row[position] for row in rows]
            counts = np.array([len(blob) for blob in blobs], dtype="int64") // (4 * width)
            matrix = np.frombuffer(b"".join(blobs), dtype="<i4").reshape(-1, width)
            org, index = np.repeat(organisation, counts), np.repeat(period, counts)
            mask = None
            for column, key in ((0, "territory_id"), (1, "category_id")):
                if key in keys:
                    chosen = np.isin(matrix[:, column], keys[key])
                    mask = chosen if mask is None else mask & chosen
            self.matrices[name] = (matrix, org, index) if mask is None else (matrix[mask], org[mask], index[mask])

    def group(self, name: str, key: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(the matrix, the group id of each row: the key's value, or the period index for None)."""
        matrix, org, index = self.matrices[name]
        if key is None:
            return matrix, index
        return matrix, org if key == "organization_id" else matrix[:, 0 if key == "territory_id" else 1]


def grouped(groups: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct groups sorted, the column sums of `values` per group)."""
    if not len(groups):
        return np.zeros(0, "int64"), np.zeros((0, values.shape[1]), "int64")
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    return ordered[starts], np.add.reduceat(values[order].astype("int64"), starts, axis=0)
