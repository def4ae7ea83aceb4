// The appeal form's map: a click puts the point (sent to the server as on_pick(lat, lon)).
// Tiles come from the configured URL; when they cannot load the map stays usable (grey, with
// the point), and the latitude and longitude fields beside it work without it.
import { AttributionControl, MapContainer, TileLayer, CircleMarker, useMapEvents } from "react-leaflet";
import "leaflet/dist/leaflet.css";

function Picker({ onPick }) {
  useMapEvents({
    click(e) {
      if (onPick) onPick(Number(e.latlng.lat.toFixed(6)), Number(e.latlng.lng.toFixed(6)));
    },
  });
  return null;
}

function number(value) {
  const parsed = parseFloat(String(value ?? "").replace(",", "."));
  return Number.isFinite(parsed) ? parsed : null;
}

export function PointMap({ tileUrl, lat, lon, centerLat, centerLon, zoom, onPick, id }) {
  const la = number(lat), lo = number(lon);
  const has = la !== null && lo !== null && Math.abs(la) <= 90 && Math.abs(lo) <= 180;
  return (
    <div id={id} style={{ height: "280px", width: "100%" }}>
      <MapContainer center={has ? [la, lo] : [centerLat, centerLon]} zoom={zoom} scrollWheelZoom={false}
                    keyboard={false} attributionControl={false} style={{ height: "100%", width: "100%", borderRadius: "8px" }}>
        {tileUrl ? <TileLayer url={tileUrl} attribution="&copy; участники OpenStreetMap" /> : null}
        {has ? <CircleMarker center={[la, lo]} radius={9} pathOptions={{ color: "#c2410c" }} /> : null}
        <AttributionControl prefix={false} />
        <Picker onPick={onPick} />
      </MapContainer>
    </div>
  );
}
