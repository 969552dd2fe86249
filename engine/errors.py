"""The one exception the engine raises for bad input."""


class InputError(ValueError):
    """Bad input: the message names the file or field and the problem, in one line."""
