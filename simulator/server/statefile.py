"""Starting from a state file: the clock, origin, region and account it was started with, checked
against the server's, and its entries replayed.

A file is one server's history: restarted with another clock, origin, region or account, it would
answer describes it never gave, so that is refused; left out, they are the file's. What the file
was started with is its meta (:meth:`.journal.Journal.meta`); what it replays are the entries
:mod:`.sagemaker`, :mod:`.tags` and :mod:`.control` write (``create``, ``act``, ``tags``, ``clock``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from importlib import metadata
from typing import Any

from pydantic import ValidationError, create_model

from ..compile import compile_request
from ..engine.simulation import Simulation
from ..errors import StateError, TjsimError
from ..format.events import ACTION
from ..format.scenario import Settings
from . import collector, snapshots
from .clock import LATEST, ManualClock, RealtimeClock, iso
from .events import Feed
from .journal import Journal
from .snapshots import Keeper, Kept
from .tags import Tags


@dataclass(frozen=True)
class Started:
    """The origin, region and account a server starts with (None: the server's default), and
    whether they are a state file's."""

    origin: float | None = None
    region: str | None = None
    account: str | None = None
    resumed: bool = False  #: they are the state file's, written by an earlier server
    written_by: str | None = None  #: the tjsim version that started the state file


def resume(journal: Journal, clock: ManualClock | RealtimeClock, given: Started) -> Started:
    """What the server starts with: the file's origin, region and account when an earlier server
    started it, else ``given``. A realtime clock goes on from the file's wall-clock origin.

    Raises:
        StateError: the file was started with another clock, or another of what ``given`` names; its
            settings cannot be read.
    """
    meta = journal.meta()
    if "mode" not in meta:  # a new file
        return replace(given, written_by=meta.get("tjsim"))
    _well_formed(meta, journal.path)
    _same_clock(meta, clock, journal.path)
    for key in ("origin", "region", "account"):
        value = getattr(given, key)
        if value is not None and value != meta.get(key):
            raise StateError(f"--state {journal.path}: it was started with --{key} {_shown(key, meta.get(key))}, "
                             f"not {_shown(key, value)}: leave --{key} out, or give another file")
    if isinstance(clock, RealtimeClock):
        clock.wall_origin = meta["wall_origin"]
    return Started(meta["origin"], meta["region"], meta["account"], resumed=True, written_by=meta.get("tjsim"))


def begin(journal: Journal, clock: ManualClock | RealtimeClock, *, origin: float, region: str, account: str) -> None:
    """Write what a new file is started with, for the servers that restart on it."""
    journal.set_meta({"mode": clock.mode, "speed": clock.speed, "origin": origin,
                      "wall_origin": getattr(clock, "wall_origin", None), "region": region, "account": account,
                      "tjsim": _version()})


class Mismatch(Exception):
    """The journal's snapshots do not match its entries: replay them all instead."""


def left_aside(journal: Journal, why: str) -> str:
    """The line that says a journal's snapshots are left aside, and why (printable text only)."""
    return str(StateError(f"--state {journal.path}: its snapshots are left aside ({why}): every entry is replayed"))


def replay(journal: Journal, sim: Simulation, tags: Tags, feed: Feed | None = None, *,
           snapshot: bool = True) -> Keeper:
    """Apply the journal's entries to ``sim``, each at its simulated time, without writing them again;
    the ``feed``'s events taken after each entry (as the server takes them after each mutation). The
    jobs its last snapshot holds settled are adopted, not lived again (:mod:`.snapshots`; not with
    ``snapshot=False``); what takes the next snapshots is returned.

    What the replay makes lives as long as the server (:func:`.collector.lasting`): collections
    walking it all took more than half of a 10,000-job restart.

    Raises:
        StateError: an entry cannot be read or replayed.
        Mismatch: the snapshot does not match the entries (replay again, on a new simulation, without).
    """
    kept, why = snapshots.read(journal) if snapshot else (None, None)
    if why is not None:
        journal.notes.append(left_aside(journal, why))
    with collector.lasting():
        _replay(journal, sim, tags, feed, kept)
    if kept is None:
        return Keeper(journal)
    return Keeper(journal, kept=set(kept.jobs), events=len(kept.events), chained=True)


def _replay(journal: Journal, sim: Simulation, tags: Tags, feed: Feed | None, kept: Kept | None) -> None:
    settings: list[tuple[dict[str, Any], Settings]] = []  # validated once per story: its jobs share them
    made: dict[int, tuple[Any, Any]] = {}  # and the engine's sections made from them, once
    upto, waiting = (kept.seq, dict(kept.jobs)) if kept is not None else (0, {})
    adopted: set[str] = set()
    for seq, at, kind, payload in journal.entries():
        try:
            if at > sim.now:
                sim.advance_to(at)
            if kind == "create":
                tagged = payload["request"].get("Tags")  # read before the request is given to the plan
                plan = compile_request(payload["request"], _settings(payload["settings"], settings), owned=True,
                                       made=made)
                job = waiting.pop(plan.name, None) if seq <= upto else None
                if job is None:
                    sim.submit(plan)
                elif job.created != sim.now:
                    raise Mismatch(f"{plan.name} was kept as created at {job.created:g}, not {sim.now:g}")
                else:
                    _adopt(sim, plan, job)
                    adopted.add(plan.name)
                tags.created(plan.arn, tagged)
            elif kind == "tags":
                if "add" in payload:
                    tags.add(payload["arn"], payload["add"])
                else:
                    tags.remove(payload["arn"], payload["remove"])
            elif kind == "act":
                if seq > upto or payload["name"] not in adopted:  # an adopted job's are in it already
                    sim.inject(payload["name"], ACTION.validate_python(payload["action"]))
            elif kind != "clock":  # a clock entry only moved the clock, to its ``at``
                raise ValueError(f"an entry of unknown kind {kind!r}")
            if feed is not None and seq > upto:
                feed.take()
            if seq == upto:
                _restored(kept, waiting, sim, feed)
        except (TjsimError, ValidationError, ValueError, KeyError, TypeError, AttributeError) as err:
            raise StateError(f"--state {journal.path}: entry {seq} ({kind}) cannot be replayed: "
                             f"{str(err).splitlines()[0]}") from None


def _adopt(sim: Simulation, plan: Any, job: Any) -> None:
    try:
        sim.adopt(plan, job)
    except Exception as err:  # a kept job that cannot be adopted: the snapshot is left aside
        raise Mismatch(f"{plan.name} cannot be adopted ({type(err).__name__}: {str(err)[:80]})") from None


def _restored(kept: Kept, waiting: dict[str, Any], sim: Simulation, feed: Feed | None) -> None:
    """At the snapshot's last entry: the clock where it was, and the feed as it was."""
    if waiting:
        raise Mismatch(f"{len(waiting)} kept jobs were never created, {next(iter(waiting))!r} among them")
    if kept.at > sim.now:
        sim.advance_to(kept.at)
    if feed is not None:
        try:
            feed.restore(kept.events, kept.feed)
        except Exception as err:  # a feed that does not fit the jobs: the snapshot is left aside
            raise Mismatch(f"its feed does not fit the entries ({type(err).__name__}: {str(err)[:80]})") from None


#: what a create's settings hold of its own job (the rest is its story's, shared by its jobs)
_OWN = ("seed", "metrics")

#: those fields alone, as Settings declares them (a whole Settings copies every section's defaults)
_Own = create_model("_Own", __config__=Settings.model_config,
                    **{k: (Settings.model_fields[k].annotation, Settings.model_fields[k]) for k in _OWN})


def _settings(stored: dict[str, Any], validated: list[tuple[dict[str, Any], Settings]]) -> Settings:
    """A create's settings, validated: its story's part once for all the jobs that share it (found
    by equality among those seen, most recent first), the job's own part each time."""
    shared = {k: v for k, v in stored.items() if k not in _OWN}
    found = next((done for seen, done in validated if seen == shared), None)
    if found is None:
        found = Settings.model_validate(stored)
        validated.insert(0, (shared, found))
    own = _Own.model_validate({k: stored[k] for k in _OWN if k in stored})
    return found.model_copy(update={k: getattr(own, k) for k in _OWN})


_PATTERNS = {"region": r"[a-z]{2}(-[a-z]+)+-\d", "account": r"\d{12}"}
#: the numbers a server writes (epoch seconds between 1970 and the clock's LATEST; the --speed range):
#: NaN and infinities are outside every one
_RANGES = {"origin": (0, LATEST), "wall_origin": (0, LATEST), "speed": (0, 1e9)}
#: what a started file's meta holds, and the types it holds them as
_META = {"mode": str, "speed": (int, float), "origin": (int, float), "wall_origin": (int, float, type(None)),
         "region": str, "account": str}


def _well_formed(meta: dict[str, Any], path: Any) -> None:
    """Check the meta of a started file: every setting there, each of its type.

    Raises:
        StateError: one is missing or of another type (one line, naming it).
    """
    for key, kind in _META.items():
        if key not in meta:
            raise StateError(f"--state {path}: its settings are damaged: {key} is missing")
        value = meta[key]
        if not isinstance(value, kind) or isinstance(value, bool) or \
                (key == "mode" and value not in ("manual", "realtime")) or \
                (key in _PATTERNS and not re.fullmatch(_PATTERNS[key], value)) or \
                (key in _RANGES and value is not None and not _RANGES[key][0] <= value <= _RANGES[key][1]):
            raise StateError(f"--state {path}: its settings are damaged: {key} is {value!r:.80}")


def _same_clock(meta: dict[str, Any], clock: ManualClock | RealtimeClock, path: Any) -> None:
    if meta["mode"] != clock.mode or meta.get("speed", 0) != clock.speed:
        started = f"--clock {meta['mode']}" + (f" --speed {meta['speed']:g}" if meta["mode"] == "realtime" else "")
        raise StateError(f"--state {path}: it was written by a server started with {started}: start it with the "
                         "same clock")


def _shown(key: str, value: Any) -> str:
    return iso(value) if key == "origin" and isinstance(value, int | float) else str(value)


def _version() -> str:
    try:
        return metadata.version("tjsim")
    except metadata.PackageNotFoundError:
        return "unknown"
