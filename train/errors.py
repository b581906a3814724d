"""The one exception type for user mistakes: printed as one line, exit code 2."""


class UserError(Exception):
    """A mistake in the user's input (path, option, data); the message names the culprit."""
