"""The organisations of the demo region (about 800): regional ministries and agencies, and in
every municipality its administration, road and landscaping services, utilities (РСО),
management companies (УК), schools, kindergartens, clinics and a social protection centre."""

import random
from dataclasses import dataclass, field

from ..domain.enums import OrgType
from .region import REGION_GENITIVE, Municipality

R = REGION_GENITIVE
# key → (name, type, parent key). Keys are what routing and the demo accounts refer to.
REGIONAL = (
    ("ministry_housing", f"Министерство жилищно-коммунального хозяйства {R}", OrgType.MINISTRY, None),
    ("ministry_transport", f"Министерство транспорта и дорожного хозяйства {R}", OrgType.MINISTRY, None),
    ("ministry_health", f"Министерство здравоохранения {R}", OrgType.MINISTRY, None),
    ("ministry_education", f"Министерство образования {R}", OrgType.MINISTRY, None),
    ("ministry_social", f"Министерство социальной защиты населения {R}", OrgType.MINISTRY, None),
    ("ministry_ecology", f"Министерство природных ресурсов и экологии {R}", OrgType.MINISTRY, None),
    ("ministry_construction", f"Министерство строительства {R}", OrgType.MINISTRY, None),
    ("ministry_digital", f"Министерство цифрового развития {R}", OrgType.MINISTRY, None),
    ("ministry_economy", f"Министерство экономического развития и торговли {R}", OrgType.MINISTRY, None),
    ("ministry_culture", f"Министерство культуры {R}", OrgType.MINISTRY, None),
    ("cur", f"ГАУ «Центр управления регионом {R}»", OrgType.AGENCY, "ministry_digital"),
    ("gji", f"Государственная жилищная инспекция {R}", OrgType.AGENCY, "ministry_housing"),
    ("road_committee", f"Комитет по дорожному хозяйству {R}", OrgType.AGENCY, "ministry_transport"),
    ("road_region", f"ГКУ «Дирекция автомобильных дорог {R}»", OrgType.ROAD_SERVICE, "road_committee"),
    ("transport_region", f"ГКУ «Организатор пассажирских перевозок {R}»", OrgType.TRANSPORT, "ministry_transport"),
    ("tariffs", f"Комитет по тарифам {R}", OrgType.AGENCY, "ministry_economy"),
    ("veterinary", f"Комитет ветеринарии {R}", OrgType.AGENCY, "ministry_ecology"),
    ("forestry", f"Департамент лесного хозяйства {R}", OrgType.AGENCY, "ministry_ecology"),
    ("capital", f"НО «Фонд капитального ремонта многоквартирных домов {R}»", OrgType.OTHER, "ministry_construction"),
    ("tko", "АО «Региональный оператор по обращению с ТКО»", OrgType.OTHER, "ministry_housing"),
    ("power", "ПАО «Россети Северо-Запад», филиал «Верхнегорскэнерго»", OrgType.UTILITY, None),
    ("gas", "АО «Газпром газораспределение Верхнегорск»", OrgType.UTILITY, None),
    ("telecom", "ПАО «Ростелеком», Верхнегорский филиал", OrgType.OTHER, None),
    ("post", "УФПС Верхнегорской области АО «Почта России»", OrgType.OTHER, None),
    ("regional_hospital", "ГБУЗ «Верхнегорская областная клиническая больница»", OrgType.CLINIC, "ministry_health"),
    ("ambulance", "ГБУЗ «Станция скорой медицинской помощи»", OrgType.CLINIC, "ministry_health"),
)

UK_BRANDS = (
    "Жилкомсервис", "Наш дом", "Уютный дом", "Комфорт", "Управдом", "Домовой", "Северная", "Заречье",
    "Стандарт", "Партнёр", "Гарант", "Фаворит", "Профи", "ЖилСервис", "Радуга", "Квартал", "Центральная",
    "Мой дом", "Надёжность", "Содружество", "Восход", "Лидер", "Доверие", "Жилфонд", "Импульс",
    "Альянс", "Престиж", "Город", "Берег", "Тёплый дом", "Олимп", "Согласие", "Меридиан", "Вектор",
)
KINDERGARTEN_NAMES = (
    "Солнышко", "Ромашка", "Колокольчик", "Светлячок", "Берёзка", "Радуга", "Теремок", "Сказка",
    "Ласточка", "Рябинка", "Золотой ключик", "Улыбка", "Дюймовочка", "Незабудка", "Родничок",
)


@dataclass
class Organizations:
    rows: list[tuple] = field(default_factory=list)  # (id, name, org_type, territory_id, parent_id, external_ref)
    regional: dict[str, int] = field(default_factory=dict)
    # municipality territory id → role ("admin", "road", "uk", …) → organisation ids
    local: dict[int, dict[str, list[int]]] = field(default_factory=dict)
    uk_by_place: dict[int, list[int]] = field(default_factory=dict)  # place territory id → УК ids


def build_organizations(municipalities: list[Municipality], next_id, rng: random.Random,
                        external_prefix: str) -> Organizations:
    orgs = Organizations()

    def add(name, org_type, territory_id, parent_id) -> int:
        org_id = next_id()
        orgs.rows.append((org_id, name, org_type.value, territory_id, parent_id,
                          f"{external_prefix}organization:{org_id}", True))
        return org_id

    for key, name, org_type, parent in REGIONAL:
        orgs.regional[key] = add(name, org_type, None, orgs.regional.get(parent))
    brands = list(UK_BRANDS)
    rng.shuffle(brands)
    for mo in municipalities:
        orgs.local[mo.territory_id] = _municipal(mo, add, orgs, brands, rng)
    return orgs


def _municipal(mo: Municipality, add, orgs: Organizations, brands: list[str], rng) -> dict[str, list[int]]:
    of = mo.of_place
    plural = mo.adjective[:-2] + "ие"  # «Каменогорская» → «Каменогорские»
    neuter = mo.adjective[:-2] + "ое"
    tid, p = mo.territory_id, mo.population
    roles: dict[str, list[int]] = {}

    def put(role, name, org_type, parent=None, territory=tid):
        org_id = add(name, org_type, territory, parent)
        roles.setdefault(role, []).append(org_id)
        return org_id

    admin = put("admin", f"Администрация {mo.genitive}", OrgType.MUNICIPAL_ADMIN)
    if mo.is_city:
        put("road", f"МКУ «Управление дорожного хозяйства {of}»", OrgType.ROAD_SERVICE, admin)
        put("blag", f"МБУ «Городское благоустройство» {of}", OrgType.OTHER, admin)
        put("transport", f"МУП «{neuter} пассажирское автотранспортное предприятие»", OrgType.TRANSPORT, admin)
        if p > 300:
            put("transport", f"МУП «{mo.adjective[:-2]}ий троллейбус»", OrgType.TRANSPORT, admin)
        put("power_local", f"АО «Горэлектросеть» {of}", OrgType.UTILITY)
    else:
        put("road", f"МБУ «Дорожное хозяйство {of}»", OrgType.ROAD_SERVICE, admin)
    put("water", f"МУП «Водоканал» {of}", OrgType.UTILITY, admin)
    put("heat", f"МУП «{plural} тепловые сети»", OrgType.UTILITY, admin)
    put("social", f"ГКУ «Центр социальной защиты населения {of}»", OrgType.AGENCY, orgs.regional["ministry_social"])
    _management_companies(mo, put, orgs, brands, rng)
    _schools_and_kindergartens(mo, put, admin, rng)
    health = orgs.regional["ministry_health"]
    if mo.is_city:
        for k in range(1, max(1, round(p / 45)) + 1):
            put("clinic", f"ГБУЗ «{mo.adjective} городская поликлиника №{k}»", OrgType.CLINIC, health)
        put("clinic", f"ГБУЗ «{mo.adjective} детская городская поликлиника»", OrgType.CLINIC, health)
        put("clinic", f"ГБУЗ «{mo.adjective} городская больница»", OrgType.CLINIC, health)
    else:
        put("clinic", f"ГБУЗ «{mo.adjective} центральная районная больница»", OrgType.CLINIC, health)
        for place in mo.places[2:]:
            put("clinic", f"Фельдшерско-акушерский пункт {place.locality} ({mo.adjective} ЦРБ)", OrgType.CLINIC,
                health, place.territory_id)
    return roles


def _management_companies(mo: Municipality, put, orgs: Organizations, brands: list[str], rng) -> None:
    count = max(3, round(mo.population / 13)) if mo.is_city else 1 + round(mo.population / 8)
    urban_places = [place for place in mo.places if place.urban]
    for k in range(count):
        brand = brands[(len(orgs.rows) + k) % len(brands)]
        place = urban_places[k % len(urban_places)]
        name = f"ООО «УК «{brand}» ({place.locality})" if k < len(brands) else f"ООО «ЖЭУ №{k + 1}» ({place.locality})"
        org_id = put("uk", name, OrgType.MANAGEMENT_COMPANY, None, place.territory_id)
        orgs.uk_by_place.setdefault(place.territory_id, []).append(org_id)


def _schools_and_kindergartens(mo: Municipality, put, admin: int, rng) -> None:
    of, p = mo.of_place, mo.population
    if mo.is_city:
        for k in range(1, max(4, round(p / 5.5)) + 1):
            kind = "Гимназия" if k % 11 == 3 else "Лицей" if k % 13 == 1 else "СОШ"
            prefix = "МАОУ" if kind != "СОШ" else "МБОУ"
            put("school", f"{prefix} «{kind} №{k}» {of}", OrgType.SCHOOL, admin)
        for k in range(1, max(4, round(p / 5)) + 1):
            nick = KINDERGARTEN_NAMES[(k * 7) % len(KINDERGARTEN_NAMES)]
            put("kindergarten", f"МБДОУ «Детский сад №{k} «{nick}»» {of}", OrgType.KINDERGARTEN, admin)
        return
    for k in range(1, 3 + round(p / 8)):
        put("school", f"МБОУ «{mo.adjective} СОШ №{k}»", OrgType.SCHOOL, admin)
    for k in range(1, 2 + round(p / 8)):
        put("kindergarten", f"МБДОУ «{mo.adjective[:-2]}ий детский сад №{k}»", OrgType.KINDERGARTEN, admin)
    for place in mo.places[2:]:
        put("school", f"МБОУ «{place.adjective} СОШ»", OrgType.SCHOOL, admin, place.territory_id)
        if rng.random() < 0.6:
            nick = rng.choice(KINDERGARTEN_NAMES)
            put("kindergarten", f"МБДОУ «{place.adjective[:-2]}ий детский сад «{nick}»»", OrgType.KINDERGARTEN,
                admin, place.territory_id)
