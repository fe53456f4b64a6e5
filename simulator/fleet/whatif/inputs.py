"""What a fleet what-if starts from, read and checked once: the file's settings, the calibration's
sections, the history's jobs (each with the training it needed and a unique plan name), what each
job cost and what its work is worth. Every problem is one line naming the file's field, the
calibration's section or the record.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ...defaults import DEFAULT_EPOCH
from ...errors import ScenarioError
from ...format.fleet import FleetFile
from ...format.overlay import deep_merge, moved
from ...format.problems import problems_in
from ...format.scenario import Settings
from ...shapes import Problem
from ...whatif.spec import price, price_units, read_calibration
from ..jobs import FleetJob, fleet_job
from ..records import Reader

#: the longest TrainingJobName
_NAME = 63


@dataclass(frozen=True, slots=True)
class Inputs:
    settings: dict[str, Any]  #: the file's settings sections, as written (old names moved)
    sections: dict[str, Any]  #: the calibration's sections by instance type ({} without one)
    calibrated: bool  #: a calibration was given
    jobs: tuple[FleetJob, ...]  #: in creation order
    names: tuple[str, ...]  #: each job's plan name: its own, made unique
    needs: tuple[float, ...]  #: the training seconds each job needed (:meth:`.FleetJob.need`)
    history_units: tuple[int, ...]  #: what each job cost, in cost units (billable + warm pool × instances × price)
    value_units: tuple[int, ...]  #: what each job's training is worth on-demand: the weight of its completion
    left_out: dict[str, int]  #: jobs of the history not replayed, by why
    sha256: str  #: of the file, the calibration and every job read
    history_known: bool  #: every job comes from the history: what the fleet cost is known


def read_inputs(source: str, folder: Path, raw: bytes, file: FleetFile, calibration: str | Path | None) -> Inputs:
    """The inputs of the fleet file ``source`` (its folder, bytes and model); ``calibration``, given on
    the command line, overrides the file's.

    Raises:
        ScenarioError: one line per problem.
    """
    settings = moved(file.settings())
    checked = _settings(source, settings)
    digest = hashlib.sha256(raw)
    given = calibration if calibration is not None else file.fleet.calibration and folder / file.fleet.calibration
    sections: dict[str, Any] = {}
    if given is not None:
        fragment, sections = _calibration(source, given, settings, from_file=calibration is None)
        digest.update(b"\0" + fragment)
    jobs, left_out = _jobs(source, folder, file)
    interval, write = checked.checkpoint.interval, checked.checkpoint.write
    needs = [job.need(interval, write) for job in jobs]
    for job, need in zip(jobs, needs, strict=True):
        digest.update(json.dumps([job.where, job.request, need, job.billable, job.retained, job.created],
                                 sort_keys=True).encode())
    history, values, problems = [], [], {}
    for job, need in zip(jobs, needs, strict=True):
        priced = price(job.instance_type, job.region or checked.region, file.whatif)
        if isinstance(priced, str):
            problems.setdefault(("fleet.jobs" if job.listed else "fleet.history", Problem("", priced)), []).append(job)
            history.append(0)
            values.append(0)
            continue
        units = job.instance_count * price_units(priced[0])
        history.append((job.billable + job.retained) * units)
        values.append(round(need * units))
    if problems:
        raise ScenarioError(source, [named(place, p, met, len(jobs)) for (place, p), met in problems.items()])
    return Inputs(settings, sections, given is not None, tuple(jobs), tuple(_names(jobs)), tuple(needs),
                  tuple(history), tuple(values), left_out, digest.hexdigest(), not any(j.listed for j in jobs))


def _settings(source: str, settings: dict[str, Any]) -> Settings:
    """The file's settings, checked once (each job's are checked again, laid over it)."""
    try:
        return Settings.model_validate(settings)
    except ValidationError as err:
        raise ScenarioError(source, problems_in(err)) from None


def _calibration(source: str, path: str | Path, settings: dict[str, Any], from_file: bool
                 ) -> tuple[bytes, dict[str, Any]]:
    """The calibration's bytes and sections, each section checked laid over the file's settings; a
    problem names the calibration (as the file's ``fleet.calibration`` when the file gave it)."""
    try:
        fragment, sections = read_calibration(path)
    except ScenarioError as err:
        if not from_file:
            raise
        raise ScenarioError(source, [f"fleet.calibration: {err.source}: {p}" for p in err.found]) from None
    found = []
    for kind, section in sections.items():
        try:
            Settings.model_validate(deep_merge(settings, moved(section)))
        except ValidationError as err:
            found += [f"instance_types.{kind}.{p}" for p in problems_in(err)]
    if found:
        if from_file:
            raise ScenarioError(source, [f"fleet.calibration: {path}: {p}" for p in found])
        raise ScenarioError(str(path), found)
    return fragment, sections


def _jobs(source: str, folder: Path, file: FleetFile) -> tuple[list[FleetJob], dict[str, int]]:
    """The history's jobs that replay, in creation order, each named by its file relative to the fleet
    file's folder; and how many were left out, by why."""
    reader, jobs, left_out = Reader(), [], Counter()
    prefix = f"{folder}/" if str(folder) not in ("", ".") else ""
    listed = _listed(source, file)
    try:
        for record in reader.read(folder / p for p in file.fleet.history):
            job = fleet_job(record, file.fleet.unfinished)
            if isinstance(job, str):
                left_out[job] += 1
            else:
                jobs.append(replace(job, where=job.where.removeprefix(prefix)) if prefix else job)
    except OSError as err:
        raise ScenarioError(source, [Problem("fleet.history", str(err.strerror or err) if not isinstance(
            err, FileNotFoundError) else str(err))]) from None
    if reader.bad and not file.fleet.skip_bad:
        shown = [f"fleet.history: {bad}" for bad in reader.bad[:20]]
        more = [f"... and {len(reader.bad) - 20} more"] if len(reader.bad) > 20 else []
        raise ScenarioError(source, [*shown, *more, "fleet.history: give skip_bad: true to leave these out"])
    if reader.bad:
        left_out["bad record"] = len(reader.bad)
    first = min((job.created for job in jobs), default=DEFAULT_EPOCH.timestamp())
    jobs += [replace(job, created=first + job.created) for job in listed]
    if not jobs:
        why = ", ".join(f"{n} {reason}" for reason, n in sorted(left_out.items()))
        raise ScenarioError(source, [Problem("fleet.history", f"no job to replay among {reader.read_count} records"
                                                              f"{f' ({why})' if why else ''}")])
    jobs.sort(key=lambda j: (j.created, j.name))
    return jobs, dict(sorted(left_out.items()))


def _listed(source: str, file: FleetFile) -> list[FleetJob]:
    """The jobs the file lists, each copy its own job, created ``at`` (+ ``every`` each) seconds after
    the history's first job (without a history, :data:`~simulator.defaults.DEFAULT_EPOCH`)."""
    jobs, problems = [], []
    for i, listed in enumerate(file.fleet.jobs):
        request, place = listed.job, f"fleet.jobs[{i}]"
        resources = request.get("ResourceConfig")
        name = request.get("TrainingJobName")
        if not isinstance(resources, dict) or not isinstance(resources.get("InstanceType"), str) or \
                resources.get("InstanceGroups"):
            problems.append(Problem(f"{place}.job.ResourceConfig.InstanceType", "required: a fleet prices each job "
                                                                               "by its type"))
            continue
        if not isinstance(name, str) or not name:
            problems.append(Problem(f"{place}.job.TrainingJobName", "required member is missing"))
            continue
        count = resources.get("InstanceCount", 1)
        for k in range(listed.count):
            own = name if listed.count == 1 else f"{name[:_NAME - len(str(k + 1)) - 1]}-{k + 1}"
            jobs.append(FleetJob(place if listed.count == 1 else f"{place} #{k + 1}", own,
                                 {**request, "TrainingJobName": own}, resources["InstanceType"],
                                 count if isinstance(count, int) else 1, None, None, listed.at + k * listed.every,
                                 (listed.training,), False, "Completed", 0, 0, listed=True))
    if problems:
        raise ScenarioError(source, problems)
    return jobs


def _names(jobs: list[FleetJob]) -> list[str]:
    """Each job's plan name: its own, made unique when two jobs share one (two accounts or regions) by a
    suffix no other job's own name has."""
    taken, used, names = {job.name for job in jobs}, set(), []
    for job in jobs:
        name, n = job.name, 1
        while name in used or (name != job.name and name in taken):
            n += 1
            name = f"{job.name[:_NAME - len(str(n)) - 1]}-{n}"
        used.add(name)
        names.append(name)
    return names


def job_data(job: FleetJob, name: str, need: float, settings: dict[str, Any], calibrated: dict[str, Any] | None
             ) -> dict[str, Any]:
    """The scenario data ``job`` lives as: the settings, its type's calibration, its own request."""
    data = deep_merge(settings, moved(calibrated)) if calibrated else dict(settings)
    own = {"job": {**job.request, "TrainingJobName": name}, "epoch": job.created, "timing": {"training": need}}
    if job.region is not None:
        own["region"] = job.region
    if job.account is not None:
        own["account"] = job.account
    return deep_merge(data, own)


def named(place: str, problem: Problem, met: list[FleetJob], total: int) -> Problem:
    """``problem`` of the jobs ``met``, at ``place``: one line, naming the first job."""
    if len(met) == 1:
        who = f"job {met[0].label}"
    elif len(met) == total:
        who = f"every job ({total}), e.g. {met[0].label}"
    else:
        who = f"{len(met)} jobs, e.g. {met[0].label}"
    return problem.within(f"{place}: {who}", ": ")

