"""Domain: tables, enums and pure rules. Importing this package registers every table."""

from . import models, participation  # noqa: F401
