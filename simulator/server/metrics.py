"""CloudWatch metrics of training jobs: ``ListMetrics``, ``GetMetricStatistics`` and ``GetMetricData`` in
the namespace ``/aws/sagemaker/TrainingJobs``, in whichever protocol the client speaks
(:mod:`.protocols`). Another namespace is moto's (:mod:`.elsewhere`).

The datapoints are what SageMaker publishes from the job's log: each line of each instance's stream
that a ``MetricDefinitions`` regex matches gives the first group's number, at the line's time
[DOC: "Define metrics"]. They are published per instance (dimension ``Host``, ``<job>/algo-<n>``) and
per job (dimension ``TrainingJobName``, which the SageMaker SDK's ``TrainingJobAnalytics`` reads)
[DOC: SageMaker's CloudWatch metrics; the SDK's analytics]. The last one of a finished job is the
value and second ``FinalMetricDataList`` reports.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .. import service, shapes
from ..errors import TjsimError
from . import joblog
from .elsewhere import Elsewhere
from .protocols import epoch

if TYPE_CHECKING:
    from ..engine.job import Job
    from .backend import Backend

NAMESPACE = "/aws/sagemaker/TrainingJobs"  #: [DOC]
_MODEL = service.model("cloudwatch")
_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,2})?|100)$")


class InvalidParameterValue(TjsimError):
    code = "InvalidParameterValue"


class InvalidParameterCombination(TjsimError):
    code = "InvalidParameterCombination"


Series = dict[tuple[str, str, str], list[tuple[int, float]]]  # (metric, dimension, value) -> [(ms, value)]


def list_metrics(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Every (metric, dimension) of the namespace with data so far, filtered as asked.

    Raises:
        InvalidParameterValue: an invalid member.
    """
    _namespace(request.get("Namespace", NAMESPACE), request, "ListMetrics")
    wanted = {d["Name"]: d.get("Value") for d in request.get("Dimensions", [])}
    now = joblog.ms(backend.now)
    found = []
    for job in _jobs(backend, wanted):
        for (metric, dimension, value), points in _series(job, len(job.history.entries)).items():
            if points and points[0][0] <= now and request.get("MetricName", metric) == metric and \
                    all(name == dimension and (want is None or want == value) for name, want in wanted.items()):
                found.append({"Namespace": NAMESPACE, "MetricName": metric,
                              "Dimensions": [{"Name": dimension, "Value": value}]})
    start = int(request["NextToken"]) if str(request.get("NextToken", "")).isdigit() else 0
    out: dict[str, Any] = {"Metrics": found[start:start + 500]}
    if start + 500 < len(found):
        out["NextToken"] = str(start + 500)
    return out


def get_metric_statistics(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """The statistics asked for, per ``Period`` from ``StartTime`` (included) to ``EndTime`` (not).

    Raises:
        InvalidParameterValue / InvalidParameterCombination: an invalid member, or no statistic.
    """
    _namespace(request.get("Namespace"), request, "GetMetricStatistics")
    stats, extended = request.get("Statistics", []), request.get("ExtendedStatistics", [])
    if not stats and not extended:  # [DOC] the service's rule
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics.")
    for stat in extended:
        if not _PERCENTILE.match(stat):
            raise InvalidParameterValue(f"The value {stat} for parameter ExtendedStatistics is not supported.")
    start, end, period = _window(request)
    points = _points(backend, request["MetricName"], request.get("Dimensions", []), start, end)
    datapoints = []
    for bucket, values in _buckets(points, start, period):
        point: dict[str, Any] = {"Timestamp": datetime.fromtimestamp(bucket, UTC), "Unit": "None"}
        point.update({stat: _statistic(stat, values) for stat in stats})
        if extended:
            point["ExtendedStatistics"] = {stat: _statistic(stat, values) for stat in extended}
        datapoints.append(point)
    return {"Label": request["MetricName"], "Datapoints": datapoints}


def get_metric_data(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Each ``MetricStat`` query's values per period, newest first unless ``ScanBy`` says otherwise.

    Raises:
        Elsewhere: no query is of the training jobs' namespace.
        InvalidParameterValue: an invalid member, an expression, or an unknown statistic.
    """
    queries = request.get("MetricDataQueries")
    namespaces = {_dig(q, "MetricStat", "Metric", "Namespace") for q in queries} if isinstance(queries, list) else ()
    if NAMESPACE not in namespaces:
        raise Elsewhere("GetMetricData")
    _namespace(NAMESPACE, request, "GetMetricData")
    start, end = epoch(request.get("StartTime")), epoch(request.get("EndTime"))
    if start is None or end is None or end <= start:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    newest_first = request.get("ScanBy", "TimestampDescending") == "TimestampDescending"
    results = []
    for query in queries:
        if "Expression" in query:
            raise InvalidParameterValue("tjsim answers MetricStat queries only, not expressions")
        stat = query["MetricStat"]
        metric, period, name = stat["Metric"], stat["Period"], stat["Stat"]
        if name not in _STATS and not _PERCENTILE.match(name):
            raise InvalidParameterValue(f"The value {name} for parameter MetricDataQueries.Stat is not supported.")
        points = [] if metric.get("Namespace") != NAMESPACE else \
            _points(backend, metric["MetricName"], metric.get("Dimensions", []), start, end)
        rows = [(bucket, _statistic(name, values)) for bucket, values in _buckets(points, start, period)]
        if newest_first:
            rows.reverse()
        result = {"Id": query["Id"], "Label": query.get("Label", metric["MetricName"]),
                  "Timestamps": [datetime.fromtimestamp(t, UTC) for t, _ in rows], "Values": [v for _, v in rows],
                  "StatusCode": "Complete"}
        if query.get("ReturnData", True):
            results.append(result)
    return {"MetricDataResults": results, "Messages": []}


#: the operations of this module, by name
OPERATIONS = {"ListMetrics": list_metrics, "GetMetricStatistics": get_metric_statistics,
              "GetMetricData": get_metric_data}


def _namespace(namespace: Any, request: dict[str, Any], operation: str) -> None:
    if namespace != NAMESPACE:
        raise Elsewhere(operation)
    checked = {k: v for k, v in request.items() if k not in ("StartTime", "EndTime")}
    problems = shapes.validate_request(checked, _MODEL.operation_model(operation).input_shape)
    problems = [p for p in problems if "StartTime" not in p.path and "EndTime" not in p.path]
    if problems:
        raise InvalidParameterValue("; ".join(map(str, problems)))


def _dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or None where a level is missing or not a map (before validation)."""
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _window(request: dict[str, Any]) -> tuple[float, float, int]:
    start, end, period = epoch(request.get("StartTime")), epoch(request.get("EndTime")), request["Period"]
    if start is None or end is None:
        raise InvalidParameterValue("StartTime and EndTime: timestamps")
    if end <= start:  # [DOC] the service's words
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    if period < 1 or (period >= 60 and period % 60) or (period < 60 and period not in (1, 5, 10, 30)):
        raise InvalidParameterValue("The parameter Period must be 1, 5, 10, 30, or a multiple of 60.")
    return start, end, period


def _jobs(backend: Backend, wanted: dict[str, str | None]) -> list[Job]:
    value = wanted.get("TrainingJobName") or (wanted.get("Host") or "").partition("/")[0]
    if value:
        job = backend.sim.jobs.get(value)
        return [job] if job is not None else []
    return [job for job in backend.sim.jobs.values() if job.plan.metrics]


def _points(backend: Backend, metric: str, dimensions: list[dict[str, str]], start: float,
            end: float) -> list[tuple[int, float]]:
    if len(dimensions) != 1:
        return []  # [DOC] a metric is one (name, dimensions) pair: only the exact set matches
    name, value = dimensions[0]["Name"], dimensions[0]["Value"]
    now = joblog.ms(backend.now)
    low, high = start * 1000, min(end * 1000, now + 1)
    for job in _jobs(backend, {name: value}):
        series = _series(job, len(job.history.entries)).get((metric, name, value), [])
        return [(t, v) for t, v in series if low <= t < high]
    return []


@lru_cache(maxsize=256)
def _series(job: Job, entries: int) -> Series:
    """Every datapoint the job's log gives, per (metric, dimension, value)."""
    definitions = [(d["Name"], re.compile(d["Regex"])) for d in
                   job.plan.request.get("AlgorithmSpecification", {}).get("MetricDefinitions", []) if _compiles(d)]
    series: Series = {}
    for stream in joblog.streams(job):
        host = stream.name.rsplit("-", 1)[0]
        for t, message in zip(stream.times, stream.messages, strict=True):
            for name, regex in definitions:
                found = regex.search(message)
                if found is None or not found.lastindex:
                    continue
                try:
                    value = float(found.group(1))
                except ValueError:
                    continue
                series.setdefault((name, "Host", host), []).append((t, value))
                series.setdefault((name, "TrainingJobName", job.plan.name), []).append((t, value))
    for points in series.values():
        points.sort()
    return series


def _compiles(definition: dict[str, str]) -> bool:
    try:
        re.compile(definition["Regex"])
    except re.error:
        return False
    return True


def _buckets(points: list[tuple[int, float]], start: float, period: int):
    """(bucket start, values) per period with data, oldest first; buckets align to the period."""
    buckets: dict[int, list[float]] = {}
    for t, value in points:
        second = t / 1000
        bucket = int(math.floor(second / period) * period)
        if bucket < start - period:
            continue
        buckets.setdefault(bucket, []).append(value)
    return sorted(buckets.items())


def _statistic(stat: str, values: list[float]) -> float:
    if stat == "SampleCount":
        return float(len(values))
    if stat == "Sum":
        return math.fsum(values)
    if stat == "Average":
        return math.fsum(values) / len(values)
    if stat == "Minimum":
        return min(values)
    if stat == "Maximum":
        return max(values)
    rank = float(stat[1:]) / 100  # pNN: nearest rank
    ordered = sorted(values)
    return ordered[max(0, math.ceil(rank * len(ordered)) - 1)]

