"""The named demo accounts (shown on the log-in page and in the README).

Every demo account, and every generated staff and citizen account, has the password
DEMO_PASSWORD. `org_key` names the organisation an account belongs to (a key of
organizations.REGIONAL, or "busy_org": the road service of the regional capital, the
organisation with the longest queue)."""

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from pwdlib import PasswordHash

from ..domain.enums import Role

DEMO_PASSWORD = "demo12345"


@dataclass(frozen=True)
class DemoAccount:
    login: str
    role: Role
    full_name: str
    description: str
    org_key: str | None = None


def demo_accounts() -> list[DemoAccount]:
    return [
        DemoAccount("coordinator", Role.COORDINATOR, "Миронова Анна Сергеевна",
                    "Координатор ЦУР: модерация, маршрутизация, согласование ответов", "cur"),
        DemoAccount("official", Role.OFFICIAL, "Лебедев Павел Андреевич",
                    "Сотрудник министерства: очередь и карточки региона (просмотр)", "ministry_digital"),
        DemoAccount("org", Role.ORG_STAFF, "Орлов Сергей Викторович",
                    "Сотрудник дорожной службы Верхнегорска: очередь организации", "busy_org"),
        DemoAccount("citizen", Role.CITIZEN, "Смирнов Иван Петрович",
                    "Заявитель: свои обращения в разных статусах"),
        DemoAccount("admin", Role.ADMIN, "Администратор платформы", "Администратор: справочники и пользователи"),
    ]


@lru_cache(maxsize=4)
def demo_password_hash(seed: int) -> str:
    """One argon2 hash of DEMO_PASSWORD for every demo account (hashing is slow on purpose).
    The salt comes from the seed so that the generated rows are the same on every run."""
    salt = hashlib.sha256(f"pos-dashboard-demo:{seed}".encode()).digest()[:16]
    return PasswordHash.recommended().hash(DEMO_PASSWORD, salt=salt)
