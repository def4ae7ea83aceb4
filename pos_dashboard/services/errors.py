"""Errors raised by the services. Messages are in Russian: they are shown to the user as they are."""


class ServiceError(Exception):
    """Base: the operation was refused and nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class IllegalTransition(ServiceError):
    pass


class ValidationFailed(ServiceError):
    pass


class Conflict(ServiceError):
    """Someone else changed the same thing at the same moment; nothing was written."""
