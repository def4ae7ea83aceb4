"""Charts travel to the pages as plain JSON dicts, not plotly Figure objects: a Figure held in a
state var is deep-copied into every new tab's state and pickled with every state kept in Redis,
which took most of a worker's CPU under load (bench/ballot_bench.py --profile), on every page."""

import json

import plotly.graph_objects as go


def plain_figure(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())
