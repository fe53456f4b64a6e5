"""Throughput and latency of ``tjsim serve``: DescribeTrainingJob side by side with ``moto_server``,
then what a client tailing a job asks besides (DescribeLogStreams, GetLogEvents, GetMetricStatistics),
then DescribeTrainingJob with and without 50 clients following ``/_tjsim/events`` while the clock
moves, then among 10,000 jobs: creates, describes while the clock moves an hour over them, describes,
a full pagination, describes while another client paginates; last, a restart on a state file of
10,000 jobs.

Each server gets the same 50 jobs an hour into their histories; 32 keep-alive connections send one
operation as fast as it is answered, for ``SECONDS`` each. The load comes from ``wrk`` (Debian's
package) when it is installed, else from an asyncio client in this process. Run: ``make bench-serve``
(moto, to which the endpoint hands other services, comes with tjsim).

Goals: no errors; describes at least 5x moto's throughput, p99 under 20 ms among 50 jobs and among
10,000; a log page (GetLogEvents from the head, as the SDK asks) costing about what a describe does;
50 event-stream clients slowing describes by at most 20 %; create p99 and describe p99 while another
client paginates at most 30 ms; a full pagination of 10,000 jobs and their restart at most 2 s each.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
JOBS = 50
MANY = int(os.environ.get("BENCH_MANY", "10000"))
LISTENERS = 50  #: clients following the event stream while describes are measured
CONNECTIONS = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
JOB = {
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
                               "TrainingInputMode": "File",
                               "MetricDefinitions": [{"Name": "train:loss", "Regex": "loss=([0-9.]+)"}]},
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}


GROUP = "/aws/sagemaker/TrainingJobs"


@dataclass(frozen=True)
class Operation:
    """One operation's requests, sent round-robin: what a client of that service sends."""

    name: str
    target: str  #: X-Amz-Target
    content_type: str
    service: str  #: the credential scope's service (moto routes by it)
    bodies: tuple[str, ...]

    def auth(self) -> str:
        """What a boto3 client signs with (SigV4); tjsim accepts any signature."""
        return (f"AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/{self.service}/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0")


def describes(names: list[str]) -> Operation:
    return Operation("DescribeTrainingJob", "SageMaker.DescribeTrainingJob", "application/x-amz-json-1.1",
                     "sagemaker", tuple(json.dumps({"TrainingJobName": n}) for n in names))


def client(url: str, service: str):
    import boto3

    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="y")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


CREATED: list[float] = []  #: seconds each CreateTrainingJob of the last create() took, as boto3 saw it


def create(url: str, count: int, prefix: str = "bench") -> list[str]:
    sm = client(url, "sagemaker")
    names = [f"{prefix}-{i:05d}" for i in range(count)]
    CREATED.clear()
    for name in names:
        started = time.perf_counter()
        sm.create_training_job(TrainingJobName=name, **JOB)
        CREATED.append(time.perf_counter() - started)
    return names


def paginate(url: str, stop: threading.Event | None = None) -> int:
    """Every page of ListTrainingJobs, 100 jobs a page, as boto3's paginator reads them: the jobs listed."""
    listed = 0
    for page in client(url, "sagemaker").get_paginator("list_training_jobs").paginate(
            PaginationConfig={"PageSize": 100}):
        listed += len(page["TrainingJobSummaries"])
        if stop is not None and stop.is_set():
            break
    return listed


def paginating(url: str, stop: Any) -> None:
    """Read every page of ListTrainingJobs, again and again, until ``stop`` is set."""
    while not stop.is_set():
        paginate(url, stop)


def advance(url: str, seconds: float) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/_tjsim/clock/advance",
                                                  data=json.dumps({"seconds": seconds}).encode(), method="POST"))


def tailing(url: str, names: list[str]) -> list[Operation]:
    """What the SageMaker SDK sends while it tails a job: its streams, a page of each, a metric."""
    logs = client(url, "logs")
    streams = [logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix=f"{n}/")["logStreams"][0]
               for n in names]
    start = min(s["creationTime"] for s in streams) // 1000 - 60
    return [
        Operation("DescribeLogStreams", "Logs_20140328.DescribeLogStreams", "application/x-amz-json-1.1", "logs",
                  tuple(json.dumps({"logGroupName": GROUP, "logStreamNamePrefix": f"{n}/",
                                    "orderBy": "LogStreamName", "limit": 1}) for n in names)),
        Operation("GetLogEvents", "Logs_20140328.GetLogEvents", "application/x-amz-json-1.1", "logs",
                  tuple(json.dumps({"logGroupName": GROUP, "logStreamName": s["logStreamName"], "startFromHead": True,
                                    "startTime": 0}) for s in streams)),
        Operation("GetMetricStatistics", "GraniteServiceVersion20100801.GetMetricStatistics",
                  "application/x-amz-json-1.0", "monitoring",
                  tuple(json.dumps({"Namespace": GROUP, "MetricName": "train:loss",
                                    "Dimensions": [{"Name": "TrainingJobName", "Value": n}], "StartTime": start,
                                    "EndTime": start + 7200, "Period": 60, "Statistics": ["Average"]})
                        for n in names)),
    ]


def wrk(url: str, operation: Operation) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, errors) from wrk."""
    bodies = ",\n".join(f"[=[{body}]=]" for body in operation.bodies)
    lua = f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "{operation.content_type}"
wrk.headers["X-Amz-Target"] = "{operation.target}"
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "{operation.auth()}"
bodies = {{{bodies}}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/", nil, bodies[counter % #bodies + 1])
end
"""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder, "describe.lua")
        script.write_text(lua)
        out = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS:g}s", "--latency", "-s", str(script), url],
                             capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                                             out)[0]) if "Socket errors" in out else 0
    return rate, p99_ms, errors


def python_load(url: str, operation: Operation) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, errors) from an asyncio client (when wrk is missing)."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0

    async def connection(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        stop, n = time.monotonic() + SECONDS, index
        while time.monotonic() < stop:
            body = operation.bodies[n % len(operation.bodies)].encode()
            n += CONNECTIONS
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nX-Amz-Target: %s\r\n"
                         b"X-Amz-Date: 20240101T000000Z\r\nAuthorization: %s\r\nContent-Length: %d\r\n\r\n%s"
                         % (operation.content_type.encode(), operation.target.encode(), operation.auth().encode(),
                            len(body), body))
            started = time.perf_counter()
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            errors += not head.startswith(b"HTTP/1.1 200")
            if re.search(rb"(?i)\r\nconnection: close", head):  # a server that does not keep connections alive
                writer.close()
                reader, writer = await asyncio.open_connection(host, int(port))
        writer.close()

    async def run() -> None:
        await asyncio.gather(*(connection(i) for i in range(CONNECTIONS)))

    start = time.monotonic()
    asyncio.run(run())
    elapsed = time.monotonic() - start
    latencies.sort()
    return len(latencies) / elapsed, latencies[int(len(latencies) * 0.99)] * 1000, errors


def listened(url: str, listeners: int, prefix: str) -> tuple[tuple[float, float, int], int]:
    """Describes of 50 fresh jobs while the clock moves 30 s every 0.1 s and ``listeners`` clients
    (in a process of their own, as browsers would be) follow GET /_tjsim/events: (the describes'
    result, events the listeners received)."""
    names = create(url, JOBS, prefix=prefix)
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            advance(url, 30)
            stop.wait(0.1)

    ticker = threading.Thread(target=tick)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        followers = pool.apply_async(follow, (url, listeners, SECONDS + 1)) if listeners else None
        time.sleep(0.5 if listeners else 0)  # connected before the clock moves
        ticker.start()
        try:
            result = load(url, describes(names))
        finally:
            stop.set()
            ticker.join()
        received = followers.get() if followers is not None else 0
    return result, received


def follow(url: str, listeners: int, seconds: float) -> int:
    """``listeners`` clients reading GET /_tjsim/events for ``seconds``: the events they received."""
    host, port = url.removeprefix("http://").split(":")
    received = [0]

    async def listen() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /_tjsim/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                chunk = await asyncio.wait_for(reader.read(1 << 16), left)
            except TimeoutError:
                break
            received[0] += chunk.count(b"\nid: ") + chunk.startswith(b"id: ")
        writer.close()

    async def listening() -> None:
        await asyncio.gather(*(listen() for _ in range(listeners)))

    asyncio.run(listening())
    return received[0]


def load(url: str, operation: Operation) -> tuple[float, float, int]:
    return (wrk if shutil.which("wrk") else python_load)(url, operation)


@contextmanager
def server(command: list[str], port: int) -> Iterator[str]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            wait_for(port, process)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait()


def tjsim_server() -> Any:
    port = free_port()
    return server([sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port", str(port)], port)


def advanced_meanwhile(url: str, name: str, seconds: float) -> tuple[float, list[float]]:
    """Move the clock ``seconds`` on, describing ``name`` one call after another meanwhile: how long
    the move took, and how long each describe did."""
    sm, took = client(url, "sagemaker"), []
    mover = threading.Thread(target=advance, args=(url, seconds))
    started = time.perf_counter()
    mover.start()
    while mover.is_alive():
        began = time.perf_counter()
        sm.describe_training_job(TrainingJobName=name)
        took.append(time.perf_counter() - began)
    mover.join()
    return time.perf_counter() - started, took


def restart(count: int) -> tuple[float, float, float]:
    """A state file of ``count`` jobs an hour into their histories, written in process, then
    ``tjsim serve --state`` started on it: (seconds its replay took, as it says; seconds from its
    launch to its first answered describe; seconds the replay took without its snapshots, as after
    a kill -9 before any was taken)."""
    sys.path.insert(0, str(ROOT))
    from simulator.server.backend import Backend
    from simulator.server.control import advance as control_advance
    from simulator.server.journal import Journal
    from simulator.server.sagemaker import create_training_job

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder, "jobs.db")
        backend = Backend(journal=Journal(state), origin=1_735_689_600.0)
        for i in range(count):
            create_training_job(backend, {**JOB, "TrainingJobName": f"kept-{i:05d}"})
        control_advance(backend, 3600)
        backend.close()  # with a snapshot of the jobs settled
        bare = Path(folder, "bare.db")
        shutil.copyfile(state, bare)
        db = sqlite3.connect(bare)
        with db:
            db.execute("DELETE FROM snapshots")
        db.close()
        replayed, answered = served(state, Path(folder, "serve.log"))
        return replayed, answered, served(bare, Path(folder, "bare.log"))[0]


def served(state: Path, log: Path) -> tuple[float, float]:
    """``tjsim serve --state`` started on ``state``, then stopped: (seconds its replay took, as it
    says; seconds from its launch to its first answered describe)."""
    port = free_port()
    launched = time.perf_counter()
    with log.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port",
                                    str(port), "--state", str(state)], stderr=stderr)
    try:
        wait_for(port, process)
        client(f"http://127.0.0.1:{port}", "sagemaker").describe_training_job(TrainingJobName="kept-00000")
        answered = time.perf_counter() - launched
    finally:
        process.terminate()
        process.wait()
    said = re.search(r"replayed from .* in ([0-9.]+) s", log.read_text())
    return (float(said.group(1)) if said else float("nan")), answered


def report(name: str, result: tuple[float, float, int]) -> None:
    rate, p99, errors = result
    print(f"  {name:34s} {rate:9,.0f} requests/s   p99 {p99:7.1f} ms   errors {errors}")


def main() -> None:
    generator = "wrk" if shutil.which("wrk") else "an asyncio client (install wrk for a lighter load generator)"
    print(f"{CONNECTIONS} keep-alive connections, {SECONDS:g} s per operation, load from {generator}")
    results: dict[str, tuple[float, float, int]] = {}
    with tjsim_server() as url:
        names = create(url, JOBS)
        advance(url, 3600)  # an hour on: every job has a history, logs and metrics
        print(f"tjsim, {JOBS} jobs an hour into their histories:")
        for operation in [describes(names), *tailing(url, names)]:
            results[operation.name] = load(url, operation)
            report(operation.name, results[operation.name])
        print(f"tjsim, {JOBS} running jobs, the clock moving 30 s every 0.1 s:")
        results["quiet"], _ = listened(url, 0, "quiet")
        report("DescribeTrainingJob", results["quiet"])
        results["listened"], received = listened(url, LISTENERS, "listened")
        report(f"the same, {LISTENERS} clients on /_tjsim/events", results["listened"])
        print(f"  ({received:,} events received by the {LISTENERS} clients)")
    # the moto_server beside this Python (installed with tjsim), else one on the PATH
    beside = Path(sys.executable).with_name("moto_server")
    moto = str(beside) if beside.exists() else shutil.which("moto_server") or str(beside)
    if Path(moto).exists():
        port = free_port()
        with server([moto, "-p", str(port)], port) as url:
            results["moto"] = load(url, describes(create(url, JOBS)))
        print(f"moto, the same {JOBS} jobs:")
        report("DescribeTrainingJob", results["moto"])
    with tjsim_server() as url:
        names = create(url, MANY, prefix="many")
        took = sorted(CREATED)
        create_p99 = 1000 * took[int(0.99 * len(took))]
        print(f"tjsim, {MANY:,} CreateTrainingJob one after another: p50 {1000 * took[len(took) // 2]:.1f} ms, "
              f"p99 {create_p99:.1f} ms, the longest {1000 * took[-1]:.0f} ms")
        moved, took = advanced_meanwhile(url, names[0], 3600)
        took.sort()
        stalled = 1000 * took[-1]
        print(f"tjsim, the clock moved an hour over {MANY:,} new jobs in {moved:.1f} s; {len(took)} describes "
              f"meanwhile, p99 {1000 * took[int(0.99 * len(took))]:.1f} ms, the longest {stalled:.0f} ms")
        print(f"tjsim, {MANY:,} jobs an hour into their histories:")
        results["many"] = load(url, describes(names))
        report("DescribeTrainingJob", results["many"])
        started = time.perf_counter()
        listed = paginate(url)
        paged = time.perf_counter() - started
        print(f"  {'ListTrainingJobs, every page':34s} {listed:9,} jobs in {paged:.2f} s, 100 a page")
        spawn = multiprocessing.get_context("spawn")
        stop = spawn.Event()
        reader = spawn.Process(target=paginating, args=(url, stop))  # another client: a process of its own
        reader.start()
        try:
            time.sleep(1)  # its imports done, paging
            results["paginated"] = load(url, describes(names))
        finally:
            stop.set()
            reader.join()
        report("the same while a client paginates", results["paginated"])
    replayed, answered, bare = restart(MANY)
    print(f"tjsim serve --state with {MANY:,} jobs: replayed in {replayed:.1f} s, first describe answered "
          f"{answered:.1f} s after launch; without its snapshots (every job lived again) {bare:.1f} s")
    clean = all(errors == 0 for name, (_, _, errors) in results.items() if name != "moto")
    slower = 1 - results["listened"][0] / results["quiet"][0]
    print(f"{LISTENERS} event-stream clients slow describes by {slower:.0%} (goal: <= 20 %: "
          f"{'met' if slower <= 0.2 else 'NOT met'})")
    fast = results["DescribeTrainingJob"][1] < 20 and results["many"][1] < 20
    page = results["DescribeTrainingJob"][0] / results["GetLogEvents"][0]
    print(f"no errors: {'met' if clean else 'NOT met'}; describe p99 < 20 ms among {JOBS} and {MANY:,} jobs: "
          f"{'met' if fast else 'NOT met'}; a log page costs {page:.1f}x a describe "
          f"(goal: about as much, <= 2x: {'met' if page <= 2 else 'NOT met'})")
    print(f"create p99 {create_p99:.1f} ms (goal: <= 30 ms: {'met' if create_p99 <= 30 else 'NOT met'})")
    print(f"full pagination of {MANY:,} jobs in {paged:.2f} s (goal: <= 2 s: {'met' if paged <= 2 else 'NOT met'}); "
          f"describe p99 while another client paginates {results['paginated'][1]:.1f} ms (goal: <= 30 ms: "
          f"{'met' if results['paginated'][1] <= 30 else 'NOT met'})")
    print(f"restart of {MANY:,} jobs: replayed in {replayed:.1f} s (goal: <= 2 s: "
          f"{'met' if replayed <= 2 else 'NOT met'}); describes while the clock moves an hour over them: "
          f"the longest {stalled:.0f} ms (was the whole move, 1.5-2.8 s)")
    if "moto" in results:
        ratio = results["DescribeTrainingJob"][0] / results["moto"][0]
        print(f"tjsim / moto describe throughput: {ratio:.1f}x  (goal: >= 5x: {'met' if ratio >= 5 else 'NOT met'})")
    else:
        print("moto_server is not installed: pip install 'moto[server]' for the comparison")


if __name__ == "__main__":
    main()
