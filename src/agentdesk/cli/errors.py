"""Errors that reach the user as one line, never as a traceback."""


class UserError(Exception):
    """Something the user can fix: bad input, missing login, unreachable server..."""
