"""The monthly trend of an organisation's index and component scores as a small plotly figure
(aggregated series only; no template: `rx.plotly` brings its own)."""

import plotly.graph_objects as go

from .ratings import COMPONENTS, INDEX_SCALE


def trend_figure(series: dict) -> go.Figure:
    months = series["months"]
    figure = go.Figure(layout=go.Layout(
        height=320, margin={"l": 40, "r": 10, "t": 10, "b": 40},
        yaxis={"range": [0, INDEX_SCALE + 2], "title": {"text": "баллы из 100"}},
        legend={"orientation": "h", "y": -0.2}, hovermode="x unified"))
    figure.add_trace(go.Scatter(x=months, y=series["index"], name="Индекс", mode="lines+markers",
                                line={"width": 4}))
    for component in COMPONENTS:
        figure.add_trace(go.Scatter(x=months, y=series[component.key], name=component.label_ru,
                                    mode="lines+markers", line={"width": 1.5, "dash": "dot"}))
    figure.update_layout(template=None)  # only after construction: in the constructor None means the default
    return figure
