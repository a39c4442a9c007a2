"""One error root: every user-facing failure is an IpscanError with its sentence and exit code."""

from __future__ import annotations

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_CANNOT_SCAN = 3
EXIT_INTERRUPTED = 130


class IpscanError(Exception):
    """A failure with a one-line message for the user."""

    exit_code = EXIT_CANNOT_SCAN


class UsageError(IpscanError):
    """The command line or configuration is wrong."""

    exit_code = EXIT_USAGE


class IpscanIndexError(IpscanError):
    """The index is missing, corrupt, or does not fit this ipscan or encoder."""


class SourceError(IpscanError):
    """A source to index could not be read."""


class GitError(IpscanError):
    """A git repository could not be read."""


class EncoderError(IpscanError):
    """The encoder model could not be loaded."""


class ClassifierError(IpscanError):
    """The verdict classifier is missing or does not load."""
