"""The training-job state machine: the transition table as data, one shared ``transitions`` Machine.

States are the secondary statuses (each carries its primary status, see :mod:`.statuses`).
A job is a plain object with a ``state`` attribute; it is never added to the machine, so running a
million jobs never builds a machine or binds trigger methods: :func:`fire` looks the event up once.
This is the only module that imports ``transitions``.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from .statuses import ON_INSTANCES, PRIMARY_OF, TERMINAL
from .statuses import Secondary as S

_IN_PROGRESS = [s for s, p in PRIMARY_OF.items() if p == "InProgress"]
#: statuses in which spot capacity can be reclaimed: the instances are up, or (before 2019, Starting's
#: own statuses) being set up after the grant; in the enum's order, as the diagram draws them
_ON_INSTANCES = [s for s in S if s in ON_INSTANCES | {S.LaunchingMLInstances, S.PreparingTrainingStack}]

#: (trigger, sources, destination): every move a job can make. UpdateTrainingJob is accepted while
#: the job trains (the SageMaker SDK's own integration test waits for Training before it updates);
#: Updating is a detour out of Training, so it leads back to Training, or on to what Training leads
#: to. A job stopped while it trains uploads the model it saved on SIGTERM in an Uploading entry of
#: its own, so Uploading also leads to the stopped statuses.
TRANSITIONS: list[tuple[str, list[S], S]] = [
    ("start", [S.Pending, S.Interrupted, S.Restarting], S.Starting),
    ("launch_instances", [S.Starting], S.LaunchingMLInstances),
    ("prepare_stack", [S.LaunchingMLInstances], S.PreparingTrainingStack),
    ("download", [S.Starting, S.PreparingTrainingStack], S.Downloading),
    ("pull_image", [S.Downloading, S.PreparingTrainingStack], S.DownloadingTrainingImage),
    ("train", [S.Starting, S.Downloading, S.PreparingTrainingStack, S.DownloadingTrainingImage, S.Updating],
     S.Training),
    ("upload", [S.Training, S.Updating, S.Stopping], S.Uploading),
    ("complete", [S.Uploading], S.Completed),
    ("interrupt", _ON_INSTANCES, S.Interrupted),
    ("restart", [S.Pending, S.Starting, S.Interrupted, *_ON_INSTANCES], S.Restarting),
    ("retry", [S.Pending, S.Starting, S.Interrupted, *_ON_INSTANCES], S.Starting),
    ("update", [S.Training], S.Updating),
    ("stop", _IN_PROGRESS, S.Stopping),
    ("fail", [*_IN_PROGRESS, S.Stopping], S.Failed),
    ("end_stopped", [S.Stopping, S.Uploading], S.Stopped),
    ("end_max_runtime", [S.Stopping, S.Uploading], S.MaxRuntimeExceeded),
    ("end_max_wait", [S.Stopping, S.Uploading], S.MaxWaitTimeExceeded),
]

#: Where a job begins: Starting, or Pending when it first waits for capacity (``timing.pending``).
INITIAL: tuple[S, ...] = (S.Starting, S.Pending)

# The machine holds plain strings (the enum values): transitions resolves Enum states by name on
# every trigger, a cost a million-job sweep would pay for nothing. StrEnum members compare equal.
_TABLE = [{"trigger": t, "source": [str(s) for s in src], "dest": str(dst)} for t, src, dst in TRANSITIONS]
_OPTIONS = dict(states=[str(s) for s in S], transitions=_TABLE, auto_transitions=False, send_event=False,
                ignore_invalid_triggers=False)

#: The one machine every job shares: the single definition of what may move where.
MACHINE = Machine(model=None, initial=None, **_OPTIONS)
_EVENTS = MACHINE.events

#: Raised when a trigger is not allowed from the current state; names both.
TransitionError = MachineError

#: (state, trigger) -> destination, read off the machine's own events once, at import. A sweep fires
#: millions of triggers; this lookup moves a job exactly as ``MACHINE.events[trigger].trigger(job)``
#: would (a test compares the two for every state and trigger), without the machinery a trigger
#: runs for callbacks and conditions the table has none of.
NEXT: dict[tuple[str, str], str] = {
    (source, trigger): moves[0].dest
    for trigger, event in _EVENTS.items() for source, moves in event.transitions.items()
}
if any(move.conditions or move.before or move.after or move.prepare or len(moves) > 1
       for event in _EVENTS.values() for moves in event.transitions.values() for move in moves) or any(
        (MACHINE.before_state_change, MACHINE.after_state_change, MACHINE.prepare_event, MACHINE.finalize_event)):
    raise RuntimeError("the lookup assumes a table with no conditions or callbacks: fire() through the machine")


def fire(job: object, trigger: str) -> None:
    """Move ``job`` (any object with a ``state`` attribute) along ``trigger``.

    Raises:
        TransitionError: the trigger is not allowed from ``job.state`` (the message names both).
        KeyError: ``trigger`` is not in the table.
    """
    try:
        job.state = NEXT[job.state, trigger]
    except KeyError:
        _EVENTS[trigger].trigger(job)  # not allowed: the machine raises its own error, naming both


def allowed(state: S) -> list[str]:
    """The triggers allowed from ``state``, in table order."""
    return [t for t, sources, _ in TRANSITIONS if state in sources]


def allowed_from(trigger: str) -> list[S]:
    """The states ``trigger`` may fire from."""
    return next(list(sources) for t, sources, _ in TRANSITIONS if t == trigger)


def mermaid() -> str:
    """The transition table as a Mermaid state diagram, rendered by ``transitions`` itself: ``[*]``
    leads to each of :data:`INITIAL`, and every terminal status leads to ``[*]``."""
    from transitions.extensions.diagrams import GraphMachine  # only the diagram needs it

    class _Model:  # the diagram machine needs a model to render
        pass

    graph = GraphMachine(model=_Model(), initial=str(INITIAL[0]), graph_engine="mermaid",
                         title="SageMaker training job", show_conditions=False, **_OPTIONS)
    text = graph.get_graph().draw(None)
    # drop the styling that marks a model's current state: the diagram is of the table alone
    lines = [line for line in text.splitlines() if not line.strip().startswith(("classDef ", "Class "))]
    # transitions draws one initial state and (for a flat machine) no final ones: add the rest
    first = lines.index(f"  [*] --> {INITIAL[0]}")
    ends = [f"  {s} --> [*]" for s in S if s in TERMINAL]
    lines[first + 1:first + 1] = [f"  [*] --> {s}" for s in INITIAL[1:]] + ends
    return "\n".join(line for i, line in enumerate(lines) if line.strip() or (i and lines[i - 1].strip()))
