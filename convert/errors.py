"""User mistakes in the convert stage share train's one-line, exit-2 error type."""

from train.errors import UserError

__all__ = ["UserError"]
