"""The demo region: «Верхнегорская область», a fictional but plausible oblast of the Russian
North-West. Six city districts (городские округа) and eighteen municipal districts (муниципальные
районы), with the regional capital split into four city districts and each municipal district into
settlements (поселения). Coordinates are each territory's centre; appeal points scatter around it.
"""

from dataclasses import dataclass, field

REGION_NAME = "Верхнегорская область"
REGION_GENITIVE = "Верхнегорской области"


@dataclass(frozen=True)
class City:
    """A городской округ: the name of the town, its genitive and adjective forms, population in
    thousands, centre, and (for the capital) its city districts with their share of the people."""

    name: str
    genitive: str
    adjective: str  # feminine: «Каменогорская городская поликлиника»
    population: int
    lat: float
    lon: float
    districts: tuple[tuple[str, float, float, float], ...] = ()  # (name, share, dlat, dlon)


@dataclass(frozen=True)
class District:
    """A муниципальный район: masculine adjective («Белозёрский»), its centre town, population in
    thousands, centre, and its rural settlements as (settlement name, village, dlat, dlon)."""

    adjective: str
    centre_town: str
    population: int
    lat: float
    lon: float
    settlements: tuple[tuple[str, str, float, float], ...] = field(default=())

    @property
    def genitive(self) -> str:  # «Белозёрский» → «Белозёрского»
        return self.adjective[:-2] + "ого"

    @property
    def neuter(self) -> str:  # «Белозёрский» → «Белозёрское»
        return self.adjective[:-2] + "ое"


CITIES = (
    City("Верхнегорск", "Верхнегорска", "Верхнегорская", 420, 59.612, 38.374, (
        ("Центральный район", 0.26, 0.000, 0.000),
        ("Заречный район", 0.22, 0.032, -0.041),
        ("Ленинский район", 0.29, -0.027, 0.048),
        ("Промышленный район", 0.23, 0.018, 0.071),
    )),
    City("Каменогорск", "Каменогорска", "Каменогорская", 118, 60.214, 36.902),
    City("Северозаводск", "Северозаводска", "Северозаводская", 86, 60.733, 39.515),
    City("Речинск", "Речинска", "Речинская", 64, 58.931, 37.218),
    City("Сосновоборск", "Сосновоборска", "Сосновоборская", 41, 59.146, 40.332),
    City("Глинск", "Глинска", "Глинская", 33, 58.702, 38.966),
)

_S = "сельское поселение"
DISTRICTS = (
    District("Белозёрский", "г. Белозёрск", 22, 60.031, 37.792, (
        (f"Никитинское {_S}", "с. Никитино", 0.12, -0.21), (f"Ивановское {_S}", "д. Ивановка", -0.15, 0.17))),
    District("Никольский", "г. Никольск", 18, 59.534, 42.031, (
        (f"Петровское {_S}", "с. Петровское", 0.18, 0.14), (f"Алексеевское {_S}", "д. Алексеевка", -0.11, -0.19))),
    District("Ильинский", "пгт Ильинский", 15, 60.452, 38.123, (
        (f"Троицкое {_S}", "с. Троицкое", 0.09, 0.22), (f"Успенское {_S}", "с. Успенское", -0.17, -0.08))),
    District("Покровский", "с. Покровское", 26, 59.108, 39.402, (
        (f"Воскресенское {_S}", "с. Воскресенское", 0.14, 0.18), (f"Семёновское {_S}", "д. Семёновка", -0.2, 0.05),
        (f"Горское {_S}", "д. Горка", 0.06, -0.24))),
    District("Сухонский", "пгт Сухона", 12, 59.902, 40.611, (
        (f"Липовское {_S}", "д. Липовка", 0.16, -0.12), (f"Дубровское {_S}", "д. Дуброво", -0.13, 0.2))),
    District("Михайловский", "г. Михайловск", 14, 58.456, 39.724, (
        (f"Сидоровское {_S}", "с. Сидорово", 0.1, 0.23), (f"Ермаковское {_S}", "с. Ермаково", -0.18, -0.1))),
    District("Вознесенский", "пгт Вознесенье", 9, 61.012, 36.214, (
        (f"Борисовское {_S}", "д. Борисово", 0.12, 0.19), (f"Кузьминское {_S}", "с. Кузьминское", -0.14, -0.16))),
    District("Андомский", "с. Андома", 8, 61.203, 37.455, (
        (f"Ольгинское {_S}", "д. Ольгино", 0.15, -0.2), (f"Васильевское {_S}", "с. Васильевское", -0.1, 0.21))),
    District("Вохтинский", "пгт Вохтога", 17, 58.762, 41.052, (
        (f"Фёдоровское {_S}", "с. Фёдоровское", 0.17, 0.11), (f"Николаевское {_S}", "д. Николаевка", -0.16, -0.14),
        (f"Полянское {_S}", "д. Поляна", 0.05, 0.26))),
    District("Песковский", "пгт Пески", 11, 60.611, 41.203, (
        (f"Заборское {_S}", "д. Заборье", 0.13, -0.18), (f"Климовское {_S}", "с. Климово", -0.19, 0.09))),
    District("Устьенский", "с. Устье", 10, 61.055, 39.021, (
        (f"Рябининское {_S}", "д. Рябинино", 0.14, 0.16), (f"Мелентьевское {_S}", "д. Мелентьево", -0.12, -0.2))),
    District("Согожский", "пгт Согожа", 13, 58.421, 38.153, (
        (f"Знаменское {_S}", "с. Знаменское", 0.11, -0.22), (f"Калининское {_S}", "д. Калинино", -0.18, 0.12))),
    District("Красносельский", "пгт Красное", 19, 59.312, 36.508, (
        (f"Дмитриевское {_S}", "с. Дмитриевское", 0.16, 0.2), (f"Озерецкое {_S}", "д. Озерецкое", -0.15, -0.15),
        (f"Лукьяновское {_S}", "д. Лукьяново", 0.2, -0.07))),
    District("Лукинский", "с. Лукино", 7, 61.422, 40.138, (
        (f"Харитоновское {_S}", "д. Харитоново", 0.1, 0.24), (f"Спасское {_S}", "с. Спасское", -0.13, -0.18))),
    District("Заречинский", "г. Заречинск", 24, 59.874, 35.911, (
        (f"Георгиевское {_S}", "с. Георгиевское", 0.13, -0.19), (f"Ильинское {_S}", "с. Ильинское", -0.2, 0.1),
        (f"Марьинское {_S}", "д. Марьино", 0.07, 0.27))),
    District("Ольховский", "пгт Ольховка", 12, 58.214, 40.455, (
        (f"Родионовское {_S}", "д. Родионово", 0.15, 0.17), (f"Тимофеевское {_S}", "д. Тимофеевка", -0.11, -0.21))),
    District("Сосновский", "пгт Сосновка", 16, 60.955, 42.102, (
        (f"Архангельское {_S}", "с. Архангельское", 0.12, -0.16), (f"Макарьевское {_S}", "с. Макарьево", -0.17, 0.15))),
    District("Верхнеборский", "г. Верхний Бор", 21, 59.985, 39.208, (
        (f"Антоновское {_S}", "д. Антоново", 0.18, 0.13), (f"Гридинское {_S}", "д. Гридино", -0.14, -0.17))),
)

CITY_STREETS = (
    "ул. Ленина", "ул. Советская", "пр-т Мира", "ул. Гагарина", "ул. Молодёжная", "ул. Набережная",
    "ул. Садовая", "ул. Школьная", "ул. Строителей", "ул. Победы", "ул. Кирова", "ул. Пушкина",
    "ул. Октябрьская", "ул. Первомайская", "ул. Комсомольская", "ул. Заводская", "ул. Лесная",
    "ул. Северная", "ул. Чкалова", "ул. Карла Маркса", "ул. Менделеева", "ул. Ломоносова",
    "пр-т Победы", "ул. Космонавтов", "ул. Энтузиастов", "ул. Вокзальная", "ул. Пролетарская",
    "ул. Чехова", "ул. Горького", "ул. Маяковского", "ул. Мичурина", "ул. Дзержинского",
    "ул. Гоголя", "ул. Некрасова", "ул. Труда", "бул. Интернациональный", "ул. Южная",
    "ул. Речная", "ул. Калинина", "пер. Почтовый",
)
VILLAGE_STREETS = (
    "ул. Центральная", "ул. Новая", "ул. Полевая", "ул. Луговая", "ул. Садовая", "ул. Школьная",
    "ул. Лесная", "ул. Молодёжная", "ул. Заречная", "ул. Набережная", "ул. Мира", "пер. Клубный",
)


@dataclass
class Place:
    """Where appeals of one territory come from: the territory id and the address pattern."""

    territory_id: int
    locality: str  # «г. Верхнегорск», «с. Никитино»
    lat: float
    lon: float
    spread: float  # degrees of latitude around the centre
    urban: bool
    weight: float  # share of the municipality's appeals
    adjective: str = ""  # settlements: «Никитинская» (for «Никитинская СОШ»)


@dataclass
class Municipality:
    """A municipality as the generators need it: its territory id, names and appeal places."""

    territory_id: int
    name: str
    genitive: str  # «городского округа город Каменогорск», «Белозёрского муниципального района»
    short: str  # «г. Каменогорск», «Белозёрский район»
    adjective: str  # «Каменогорская» / «Белозёрская» (feminine) for organisation names
    of_place: str  # «г. Каменогорска», «Белозёрского района»: «Водоканал г. Каменогорска»
    population: int
    is_city: bool
    places: list[Place] = field(default_factory=list)


def build_territories(next_id, external_prefix: str) -> tuple[list[tuple], list[Municipality]]:
    """Territory rows (id, name, kind, parent_id, external_ref) and the municipalities."""
    rows: list[tuple] = []
    municipalities: list[Municipality] = []

    def add(name, kind, parent_id) -> int:
        territory_id = next_id()
        rows.append((territory_id, name, kind, parent_id, f"{external_prefix}territory:{territory_id}"))
        return territory_id

    for city in CITIES:
        mo_id = add(f"Городской округ город {city.name}", "municipality", None)
        mo = Municipality(mo_id, f"Городской округ город {city.name}", f"городского округа город {city.name}",
                          f"г. {city.name}", city.adjective, f"г. {city.genitive}", city.population, True)
        locality = f"г. {city.name}"
        if city.districts:
            for name, share, dlat, dlon in city.districts:
                district_id = add(f"{name} г. {city.name}", "district", mo_id)
                mo.places.append(Place(district_id, locality, city.lat + dlat, city.lon + dlon, 0.018, True, share))
        else:
            mo.places.append(Place(mo_id, locality, city.lat, city.lon, 0.02, True, 1.0))
        municipalities.append(mo)
    for district in DISTRICTS:
        mo_name = f"{district.adjective} муниципальный район"
        mo_id = add(mo_name, "municipality", None)
        mo = Municipality(mo_id, mo_name, f"{district.genitive} муниципального района",
                          f"{district.adjective} район", district.adjective[:-2] + "ая", f"{district.genitive} района",
                          district.population, False)
        centre_id = add(f"{district.neuter} городское поселение", "settlement", mo_id)
        mo.places.append(Place(centre_id, district.centre_town, district.lat, district.lon, 0.012, True, 0.62))
        mo.places.append(Place(mo_id, district.centre_town, district.lat, district.lon, 0.09, False, 0.08))
        share = 0.30 / len(district.settlements)
        for name, village, dlat, dlon in district.settlements:
            settlement_id = add(name, "settlement", mo_id)
            mo.places.append(Place(settlement_id, village, district.lat + dlat, district.lon + dlon, 0.02, False, share,
                                   name.split()[0][:-2] + "ая"))
        municipalities.append(mo)
    return rows, municipalities
