"""The one exception type for mistakes a user can fix (configuration, paths, files)."""


class UserError(Exception):
    """A user mistake: `python -m device` prints it as one line and exits with status 2."""
