"""The citizen's appeal form turned into a `submit_appeal` call: the form's strings become ids,
and what the form needs beyond the service's own rules (a territory) is refused in Russian."""

import math

from sqlmodel import Session

from ..domain.models import Appeal
from . import appeals
from .actors import Actor
from .errors import ValidationFailed


def submit_from_form(session: Session, *, actor: Actor, form: dict, now=None, files: list = ()) -> Appeal:
    category = str(form.get("category_id") or "")
    if not category.isdigit():
        raise ValidationFailed("Выберите категорию проблемы")
    territory = str(form.get("territory_id") or "")
    if not territory.isdigit():
        raise ValidationFailed("Выберите район или город, где находится проблема")
    address = str(form.get("address") or "").strip() or None
    lat, lon = str(form.get("latitude") or "").strip(), str(form.get("longitude") or "").strip()
    latitude = longitude = None
    if lat or lon:
        try:
            latitude, longitude = float(lat.replace(",", ".")), float(lon.replace(",", "."))
        except ValueError:
            raise ValidationFailed("Точка на карте: укажите широту и долготу числами, например 53,0241 и 158,6435")
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            raise ValidationFailed("Точка на карте указана неверно")
    return appeals.submit_appeal(session, actor=actor, category_id=int(category), territory_id=int(territory),
                                 text=str(form.get("text") or ""), address=address, now=now,
                                 latitude=latitude, longitude=longitude,
                                 files=list(files))
