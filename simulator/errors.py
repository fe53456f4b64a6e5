"""Domain errors. Each carries the AWS error code the endpoint answers with; the CLI prints it as
one line and exits 2. Translation happens once per edge, never here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .shapes import Problem


def source_of(path: object) -> str:
    """How problems name the scenario at ``path``: the path, or ``<stdin>`` for ``-``."""
    return "<stdin>" if str(path) == "-" else str(path)


class TjsimError(Exception):
    """Base of every error tjsim reports to a user."""

    code = "ValidationException"


class ScenarioError(TjsimError):
    """A scenario file is unreadable or invalid: its problems (a :class:`~.shapes.Problem`, or the
    text of one that has no path, such as "no such file"), rendered here: ``problems`` holds one
    line per problem, each naming the file, the field path and what is wrong."""

    def __init__(self, source: str, problems: Iterable[Problem | str]):
        self.source = source
        self.found: list[Problem | str] = list(problems)  #: the problems as found, before rendering
        self.problems = [f"{source}: {p}" for p in self.found]
        super().__init__("\n".join(self.problems))


class ProblemAt(ValueError):
    """What a validator raises for a member inside the value it validates: pydantic places the
    error at that value, :func:`~.format.problems.problems_in` at ``path`` below it. Its text is
    ``path: message``, as pydantic shows it."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class InvalidAction(TjsimError):
    """An action the real service would reject in the job's current status."""


class ActionIgnored(InvalidAction):
    """An action there is nothing to act on, though no service would be asked: a spot interruption
    of a job with no spot instances up. Refused like :class:`InvalidAction`, so that a test knows
    its injection changed nothing."""


class ResourceNotFound(TjsimError):
    """The named job does not exist. The real service answers ValidationException."""

    def __init__(self, name: str):
        super().__init__("Requested resource not found.")
        self.name = name


class ResourceInUse(TjsimError):
    """A job of that name exists already."""

    code = "ResourceInUse"


class JournalFailure(TjsimError):
    """The state file could not take a mutation's entry (a full disk, an I/O error): the mutation was
    not applied, and the service is unavailable for it until the file can be written again."""

    code = "ServiceUnavailable"


class HistoryNotKept(TjsimError):
    """A job run without history (``record=False``, as sweeps run) cannot be described."""

    def __init__(self, name: str):
        super().__init__(f"job {name!r} was run without history (record=False, as sweeps run it): only a job "
                         "run with record=True can be described")
        self.name = name


class RequestError(TjsimError):
    """A request the endpoint cannot take as it is: a malformed body, an invalid member."""


class SerializationError(RequestError):
    """The body is not the JSON document the operation takes."""

    code = "SerializationException"


class UnknownOperation(RequestError):
    """``X-Amz-Target`` names no operation the endpoint serves."""

    code = "UnknownOperationException"


class WrongContentType(UnknownOperation):
    """An AWS JSON call sent under another Content-Type: no protocol handler of the service claims it."""


class RequestTimeout(RequestError):
    """The sender left more than the read timeout between two pieces of its request's body."""

    code = "RequestTimeoutException"


class NotServed(RequestError):
    """A path or method the endpoint does not serve (answered 404 or 405)."""

    code = "UnknownOperationException"


class RequestTooLarge(RequestError):
    """The body is over the size the endpoint accepts."""

    code = "RequestEntityTooLargeException"


class StateError(TjsimError):
    """A ``--state`` file cannot be used as the server is started. Its message is printable text
    only: what a damaged row holds is shown escaped, never as raw bytes on the terminal."""

    def __init__(self, message: str):
        super().__init__("".join(c if c.isprintable() else repr(c)[1:-1] for c in message))


class DeprecatedName(FutureWarning):
    """A scenario writes a setting under its old name, which still works: the message says the new one.
    The command line shows it as one ``tjsim: note:`` line."""
