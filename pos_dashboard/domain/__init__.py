"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import models, participation, security  # noqa: F401
