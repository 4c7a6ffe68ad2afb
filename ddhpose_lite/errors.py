"""Errors in what the user gave (a file, a folder, a setting), told apart from bugs.

The loaders (data files, checkpoints) and the config checks raise ``UserInputError`` or one of its
subclasses; each is still a ``ValueError`` (and a ``FileNotFoundError`` / ``KeyError`` where it
was one before), so code that caught those keeps working. The command lines run their work inside
``user_errors_exit``: a user error prints ``prog: error: MESSAGE`` on one line and exits with
status 2, as argparse does for a bad option; any other exception is a bug and keeps its traceback.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

__all__ = ["UserInputError", "MissingInputError", "InputKeyError", "user_errors_exit"]


class UserInputError(ValueError):
    """Input the user can fix; the message says what was expected and what came."""


class MissingInputError(UserInputError, FileNotFoundError):
    """A file or folder the user named (or its default path) is not there."""


class InputKeyError(UserInputError, KeyError):
    """A data file without an expected key, subject or action."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


@contextmanager
def user_errors_exit(prog: str):
    """Run a command line's work: a ``UserInputError`` prints ``prog: error: MESSAGE`` on one line
    and exits with status 2 (argparse's ``parser.error`` does the same, with the usage first)."""
    try:
        yield
    except UserInputError as error:
        message = " ".join(str(error).split())  # one line, whatever the message holds
        print(f"{prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2) from None
