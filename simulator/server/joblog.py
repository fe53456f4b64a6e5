"""A job's container log, derived from its history: the lines a SageMaker training container writes
to CloudWatch Logs, stream by stream, so that they agree with every DescribeTrainingJob.

Each time the job's instances come up (its first start, and every restart after an interruption or
a retried failure) each instance gets a stream ``<job>/algo-<n>-<epoch seconds>`` [DOC: CloudWatch
Logs for SageMaker training jobs], all with the same suffix, the time the instances were ready
[INF, from real stream names]. When training starts, every host writes:

- bash's two lines and the SageMaker Training Toolkit's start-up lines, its ``Training Env`` and the
  command it runs [OBS, sagemaker-training-toolkit's logger format and real job output];
- on a restart with checkpoints, a line naming the checkpoint it resumes from [INF: the toolkit
  writes none; a script that resumes says so];
- every ``report`` seconds of training, a line per final metric of the job that its
  ``MetricDefinitions`` regex matches (:mod:`.metriclines`), its value moving towards the final one;
  the last carries exactly the value and second ``FinalMetricDataList`` reports;
- at the end, the toolkit's "Reporting training SUCCESS", or on an AlgorithmError the script's
  traceback and the toolkit's ExecuteUserScriptError lines [OBS]. An interruption, a stop or a
  limit writes nothing: the instances are gone.

Nothing is stored per job: the lines are computed from the history when asked, and kept only while
the history is unchanged (a small cache); a line exists once the clock has passed its timestamp.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..engine import record
from . import metriclines

if TYPE_CHECKING:
    from ..engine.job import Job

GROUP = "/aws/sagemaker/TrainingJobs"  #: [DOC] the log group of every training job
UP = ("Downloading", "Training")  #: statuses with the instances up
REPORTS = 100  #: metric lines per metric over a whole training, at most (one a minute at least)


@dataclass(slots=True)
class Run:
    """One start of the job's instances, and what its container did."""

    index: int
    up: float  #: when the instances were ready (seconds after creation)
    train: float | None = None  #: when the container started training
    end: float | None = None  #: when training ended
    ended_as: str | None = None  #: the status it ended in
    resume: float = 0.0  #: training seconds it resumed from


@dataclass(slots=True)
class Stream:
    """One instance's stream: its name, creation time, and events (ms since the epoch, message)."""

    name: str
    created: int
    times: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    _encoded: list[bytes] | None = field(default=None, init=False, repr=False, compare=False)

    def encoded(self) -> list[bytes]:
        """Each event as GetLogEvents writes it in JSON, made once (a stream never changes)."""
        if self._encoded is None:
            self._encoded = [json.dumps({"timestamp": t, "message": m, "ingestionTime": t},
                                        separators=(",", ":")).encode() for t, m in zip(self.times, self.messages,
                                                                                        strict=True)]
        return self._encoded

    def visible(self, now_ms: int) -> int:
        """How many events exist at ``now_ms``."""
        return bisect_right(self.times, now_ms)


def streams(job: Job) -> list[Stream]:
    """Every stream of the job as its history stands (events past the present included: callers
    cut them with :meth:`Stream.visible`), in creation order then host order."""
    return list(_streams(job, len(job.history.entries)))


@lru_cache(maxsize=256)
def _streams(job: Job, entries: int) -> tuple[Stream, ...]:
    del entries  # the cache key: the history's length (it only grows)
    runs, failure, metrics_at = _runs(job)
    base = job.origin + job.created
    out = []
    for run in runs:
        suffix = math.floor(base + run.up)
        for host in range(1, job.plan.instance_count + 1):
            stream = Stream(f"{job.plan.name}/algo-{host}-{suffix}", ms(base + run.up))
            if run.train is not None:
                _write(stream, job, run, host, base, failure, metrics_at, last=run is runs[-1])
            out.append(stream)
    return tuple(out)


def _runs(job: Job) -> tuple[list[Run], str | None, float | None]:
    """The job's runs, its FailureReason and when its final metrics were emitted, from its history."""
    runs: list[Run] = []
    failure = metrics_at = None
    saved: list[tuple[float, float]] = []
    current: Run | None = None
    for t, kind, a, b in job.history.entries:
        if kind == record.CHECKPOINT:
            saved.append((t, a))
        elif kind == record.FAILURE:
            failure = b
        elif kind == record.METRICS:
            metrics_at = a
        elif kind in (record.STATUS, record.CLOSE):
            status = a
            when = b[1] if kind == record.CLOSE else t
            if status in UP:
                if current is None:
                    resume = max((s for at, s in saved if at <= when), default=0.0) if job.plan.checkpointing else 0
                    current = Run(len(runs), when, resume=resume)
                    runs.append(current)
                if status == "Training" and current.train is None:
                    current.train = when
            elif current is not None:
                if current.train is not None and current.end is None:
                    current.end, current.ended_as = when, status
                if status != "Uploading":
                    current = None
    return runs, failure, metrics_at


def _write(stream: Stream, job: Job, run: Run, host: int, base: float, failure: str | None,
           metrics_at: float | None, *, last: bool) -> None:
    start = base + run.train
    lines = _startup(job, host)
    for i, text in enumerate(lines):
        _add(stream, start + 0.05 * i, text)
    clock = start + 0.05 * len(lines) + 1.0
    if run.resume > 0:
        _add(stream, clock, f"Resuming training from checkpoint /opt/ml/checkpoints: {run.resume:.0f} s "
                            f"of {job.progress.needed:.0f} s done")
    _reports(stream, job, run, clock, base, metrics_at if last else None)
    if run.end is not None:
        _ending(stream, job, base + run.end, failure if last else None, run.ended_as)


def _startup(job: Job, host: int) -> list[str]:
    """bash's lines, the toolkit's start-up lines, its Training Env and the command, for one host."""
    plan, request = job.plan, job.plan.request
    hosts = [f"algo-{i}" for i in range(1, plan.instance_count + 1)]
    hyper = request.get("HyperParameters", {})
    env = {"channel_input_dirs": {c["ChannelName"]: f"/opt/ml/input/data/{c['ChannelName']}"
                                  for c in request.get("InputDataConfig", [])},
           "current_host": f"algo-{host}", "current_instance_type": plan.instance_type, "hosts": hosts,
           "hyperparameters": hyper, "is_master": host == 1, "job_name": plan.name, "log_level": 20,
           "master_hostname": "algo-1", "model_dir": "/opt/ml/model", "num_cpus": 4, "num_gpus": 0,
           "output_data_dir": "/opt/ml/output/data", "user_entry_point": _program(hyper)}
    command = f"/opt/conda/bin/python3.10 {_program(hyper)}" + "".join(
        f" --{k} {v}" for k, v in hyper.items() if not k.startswith("sagemaker_"))
    return ["bash: cannot set terminal process group (-1): Inappropriate ioctl for device",
            "bash: no job control in this shell",
            _toolkit("INFO", "Imported framework sagemaker_pytorch_container.training"),
            _toolkit("INFO", "No Neurons detected (normal if no neurons installed)"),
            "sagemaker_pytorch_container.training INFO     Block until all host DNS lookups succeed.",
            "sagemaker_pytorch_container.training INFO     Invoking user training script.",
            _toolkit("INFO", "Invoking user script"), "Training Env:",
            *json.dumps(env, indent=4, sort_keys=True).splitlines(),
            "Invoking script with the following command:", command]


def _program(hyper: dict[str, Any]) -> str:
    program = hyper.get("sagemaker_program", '"train.py"')
    return program.strip('"') or "train.py"


def _toolkit(level: str, message: str) -> str:
    """A line of the toolkit's logger, whose timestamp :func:`_add` writes in front."""
    return f"sagemaker-training-toolkit {level:<8} {message}"


def _reports(stream: Stream, job: Job, run: Run, clock: float, base: float, metrics_at: float | None) -> None:
    """The metric lines of one run: every ``step`` seconds of progress until training ends (or would,
    nothing else happening)."""
    needed = job.progress.needed
    step = max(60.0, needed / REPORTS)
    definitions = {d["Name"]: d["Regex"] for d in job.plan.request.get("AlgorithmSpecification", {})
                   .get("MetricDefinitions", [])}
    metrics = [(name, value, definitions.get(name, "")) for name, value in job.plan.metrics]
    end = base + run.end if run.end is not None else math.inf
    final = math.floor(base + metrics_at) if metrics_at is not None else None
    k = math.floor(run.resume / step) + 1
    while (progress := min(k * step, needed)) <= needed:
        at = clock + progress - run.resume
        if at > end or (final is not None and math.floor(at / 60) >= math.floor(final / 60)):
            break  # the final value is alone in its minute: a minute's average is the final value
        _report(stream, at, k, progress / needed, metrics, final=False)
        if progress >= needed:
            break
        k += 1
    if final is not None:
        _report(stream, final, k, 1.0, metrics, final=True)


def _report(stream: Stream, at: float, step: int, fraction: float, metrics, *, final: bool) -> None:
    if not metrics:
        _add(stream, at, f"step {step}: {fraction:.0%} of training done")
        return
    for name, value, regex in metrics:
        shown = value if final else _towards(name, value, fraction)
        _add(stream, at, metriclines.line(regex, shown, name)[0])


def _towards(name: str, final: float, fraction: float) -> float:
    """[INF] a metric's value part-way through training: it starts at twice the final value (half,
    for a rising one such as accuracy) and closes in on it."""
    start = final * 2 if metriclines.falling(name) else final / 2
    if final == 0:
        start = 1.0
    return round(final + (start - final) * (1 - fraction) ** 2, 6)


def _ending(stream: Stream, job: Job, at: float, failure: str | None, status: str | None) -> None:
    if status in ("Uploading", "Completed"):
        _add(stream, at, _toolkit("INFO", "Waiting for the process to finish and give a return code."))
        _add(stream, at, _toolkit("INFO", "Done waiting for a return code. Received 0 from exiting process."))
        _add(stream, at, _toolkit("INFO", "Reporting training SUCCESS"))
    elif failure is not None and failure.startswith("AlgorithmError"):
        detail = failure.partition(":")[2].strip() or "the training script failed"
        lines = ["Traceback (most recent call last):",
                 f'  File "/opt/ml/code/{_program(job.plan.request.get("HyperParameters", {}))}", line 1, in <module>',
                 f"RuntimeError: {detail}",
                 _toolkit("INFO", "Waiting for the process to finish and give a return code."),
                 _toolkit("INFO", "Done waiting for a return code. Received 1 from exiting process."),
                 _toolkit("ERROR", "Reporting training FAILURE"),
                 _toolkit("ERROR", "ExecuteUserScriptError:"), "ExitCode 1", f'ErrorMessage "{detail}"',
                 _toolkit("ERROR", "Encountered exit_code 1")]
        for text in lines:
            _add(stream, at, text)


def _add(stream: Stream, at: float, text: str) -> None:
    """An event at ``at`` (epoch seconds); a toolkit line carries its own timestamp, as its logger
    writes it (``2024-03-08 08:11:01,570 sagemaker-training-toolkit INFO ...``)."""
    at_ms = ms(at)
    if text.startswith(("sagemaker-training-toolkit", "sagemaker_pytorch_container")):
        moment = datetime.fromtimestamp(at_ms / 1000, UTC)
        text = f"{moment:%Y-%m-%d %H:%M:%S},{at_ms % 1000:03d} {text}"
    if stream.times and at_ms < stream.times[-1]:
        at_ms = stream.times[-1]  # a stream's events are in time order
    stream.times.append(at_ms)
    stream.messages.append(text)


def ms(t: float) -> int:
    """Epoch seconds as CloudWatch's epoch milliseconds."""
    return math.floor(t * 1000 + 1e-6)
