"""A small Reflex wrapper of react-leaflet (npm `leaflet`, `react-leaflet`): the map of the appeal
form (assets/point_map.jsx). Rendered on the client only (Leaflet needs `window`)."""

import reflex as rx


class PointMap(rx.NoSSRComponent):
    library = "$/public/point_map.jsx"
    lib_dependencies: list[str] = ["react-leaflet@5.0.0", "leaflet@1.9.4"]
    tag = "PointMap"

    tile_url: rx.Var[str]
    lat: rx.Var[str]
    lon: rx.Var[str]
    center_lat: rx.Var[float]
    center_lon: rx.Var[float]
    zoom: rx.Var[int]
    on_pick: rx.EventHandler[lambda lat, lon: [lat, lon]]


point_map = PointMap.create
