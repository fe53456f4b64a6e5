"""The ``tjsim`` command group and its one error edge, with what every command shares. Errors are
translated once, here: tjsim's own become one line each and exit 2; an output that cannot be written
(a full disk, a closed pipe) ends the command with one line and exit 1."""

from __future__ import annotations

import errno
import functools
import io
import os
import sys
import warnings
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.core import ParameterSource

from ..errors import source_of

if TYPE_CHECKING:
    from ..format.scenario import Scenario
    from ..timeline import Replay


def fail(lines: list[str], code: int = 2) -> NoReturn:
    """Print each line as ``tjsim: <line>`` on stderr and exit ``code`` (2: bad input)."""
    for line in lines:
        click.echo(f"tjsim: {line}", err=True)
    sys.exit(code)


def load(path: str) -> Scenario:
    """The scenario at ``path`` (``-``: standard input)."""
    from .. import loading

    return loading.load(path)


def given(ctx: click.Context, *names: str) -> set[str]:
    """Which of the options ``names`` the user gave (not left at their defaults)."""
    return {name for name in names if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT}


def check_job(result: Replay, scenario: str, job: str | None) -> None:
    """``--job``, when given, names a job of the replayed scenario."""
    if job is not None and job not in result.simulation.jobs:
        fail([f"{source_of(scenario)}: --job: no job named {job!r} in this scenario (it has "
              f"{', '.join(result.simulation.jobs)})"])


class _Tjsim(click.Group):
    """The command group; its :meth:`main` (what the console script and test runners call) is the
    CLI's one error edge, around parsing, help and every command alike."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        from ..errors import TjsimError

        if sys.stdout is None:  # started with its standard output closed (>&-): fine until a command writes
            sys.stdout = _Closed()
        try:
            try:
                with warnings.catch_warnings():
                    warnings.showwarning = functools.partial(_note, set())
                    # click's own mode, so that its errors reach the handlers below (its --help still exits 0)
                    code = super().main(*args, standalone_mode=False, **kwargs)
            finally:  # flushing here makes a write error surface now, not at exit
                sys.stdout.flush()
        except TjsimError as err:
            fail(str(err).splitlines())
        except click.exceptions.NoArgsIsHelpError as err:  # a bare `tjsim`: the help, as click gives it
            err.show()
            sys.exit(err.exit_code)
        except click.UsageError as err:  # a bad flag or argument: one line too, naming the command
            ctx = err.ctx
            where = f"{ctx.info_name}: " if ctx is not None and ctx.parent is not None else ""
            path = ctx.command_path if ctx is not None else "tjsim"
            fail([f"{where}{err.format_message()} (see {path} --help)"])
        except click.ClickException as err:
            fail([err.format_message()], code=err.exit_code)
        except click.exceptions.Abort:
            fail(["aborted"], code=1)
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            _silence_stdout()
            sys.exit(1)
        except OSError as err:
            if err.errno not in _OUTPUT_ERRORS:
                raise
            _silence_stdout()
            fail([f"cannot write the output: {err.strerror or err}"], code=1)
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _note(given: set[str], message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """A setting under its old name is one ``tjsim: note:`` line, once a command (``given`` holds the
    notes given); other warnings as Python shows them."""
    from ..errors import DeprecatedName

    if issubclass(category, DeprecatedName):
        if str(message) not in given:
            given.add(str(message))
            click.echo(f"tjsim: note: {message}", err=True)
    else:
        _SHOW_WARNING(message, category, *args, **kwargs)


_SHOW_WARNING = warnings.showwarning


class _Closed(io.TextIOBase):
    """Standard output when the process started without one: writing to it is a write error."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False


_OUTPUT_ERRORS = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EBADF, errno.EPIPE}


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit fails no more."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


@click.group(cls=_Tjsim, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tjsim")
def main() -> None:
    """tjsim: AWS SageMaker training jobs, simulated: statuses, timings and billing over time."""
