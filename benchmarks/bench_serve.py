"""DescribeTrainingJob throughput and latency of ``tjsim serve``, side by side with ``moto_server``.

Both servers get the same 50 jobs, then 32 keep-alive connections ask DescribeTrainingJob for them
as fast as they answer, for ``SECONDS`` each. The load comes from ``wrk`` (Debian's package) when it
is installed, else from an asyncio client in this process. Run: ``make bench-serve`` (it installs
``moto[server]`` for the comparison). Goal: at least 5x moto's throughput, p99 under 20 ms, no errors.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JOBS = 50
CONNECTIONS = 32
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
JOB = {
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "AlgorithmSpecification": {"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1",
                               "TrainingInputMode": "File"},
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
    "ResourceConfig": {"InstanceType": "ml.g5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
}


#: what a boto3 client signs with (SigV4): moto routes a request to a service by its credential
#: scope, and sends one without it to S3; tjsim accepts any signature
AUTH = ("AWS4-HMAC-SHA256 Credential=x/20240101/us-east-1/sagemaker/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0")


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


def prepare(url: str, tjsim: bool) -> None:
    import boto3

    sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="y")
    for i in range(JOBS):
        sm.create_training_job(TrainingJobName=f"bench-{i:03d}", **JOB)
    if tjsim:  # an hour on: every job has a history to describe
        urllib.request.urlopen(urllib.request.Request(url + "/_tjsim/clock/advance", data=b'{"seconds": 3600}',
                                                      method="POST"))


def wrk(url: str) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, errors) from wrk."""
    lua = f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["X-Amz-Target"] = "SageMaker.DescribeTrainingJob"
wrk.headers["X-Amz-Date"] = "20240101T000000Z"
wrk.headers["Authorization"] = "{AUTH}"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/", nil, string.format('{{"TrainingJobName": "bench-%03d"}}', counter % {JOBS}))
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


def python_load(url: str) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, errors) from an asyncio client (when wrk is missing)."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0

    async def connection(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, int(port))
        stop, n = time.monotonic() + SECONDS, index
        while time.monotonic() < stop:
            body = json.dumps({"TrainingJobName": f"bench-{n % JOBS:03d}"}).encode()
            n += CONNECTIONS
            writer.write(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\n"
                         b"X-Amz-Target: SageMaker.DescribeTrainingJob\r\nX-Amz-Date: 20240101T000000Z\r\n"
                         b"Authorization: %s\r\nContent-Length: %d\r\n\r\n%s" % (AUTH.encode(), len(body), body))
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


def measure(name: str, command: list[str], port: int, tjsim: bool) -> tuple[float, float, int]:
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            wait_for(port, process)
            url = f"http://127.0.0.1:{port}"
            prepare(url, tjsim)
            return (wrk if shutil.which("wrk") else python_load)(url)
        finally:
            process.terminate()
            process.wait()


def main() -> None:
    load = "wrk" if shutil.which("wrk") else "an asyncio client (install wrk for a lighter load generator)"
    print(f"DescribeTrainingJob, {CONNECTIONS} keep-alive connections, {SECONDS:g} s each, load from {load}")
    results = {}
    port = free_port()
    results["tjsim"] = measure("tjsim", [sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port",
                                         str(port)], port, tjsim=True)
    # the moto_server beside this Python (make bench-serve installs it there), else one on the PATH
    beside = Path(sys.executable).with_name("moto_server")
    moto = str(beside) if beside.exists() else shutil.which("moto_server") or str(beside)
    if Path(moto).exists():
        port = free_port()
        results["moto"] = measure("moto", [moto, "-p", str(port)], port, tjsim=False)
    for name, (rate, p99, errors) in results.items():
        print(f"{name:6s} {rate:9,.0f} requests/s   p99 {p99:7.1f} ms   errors {errors}")
    if "moto" in results:
        ratio = results["tjsim"][0] / results["moto"][0]
        rate, p99, errors = results["tjsim"]
        goal = ratio >= 5 and p99 < 20 and errors == 0
        print(f"tjsim / moto throughput: {ratio:.1f}x  (goal: >= 5x, p99 < 20 ms, no errors: "
              f"{'met' if goal else 'NOT met'})")
    else:
        print("moto_server is not installed: pip install 'moto[server]' for the comparison")


if __name__ == "__main__":
    main()
