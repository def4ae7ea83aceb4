"""Who is acting: every service takes an Actor, and checks it."""

from dataclasses import dataclass

from ..domain.enums import Role
from ..domain.models import User


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: Role
    organization_id: int | None = None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user_id=user.id, role=Role(user.role), organization_id=user.organization_id)


SYSTEM = Actor(user_id=None, role=Role.SYSTEM)
