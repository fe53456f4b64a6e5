"""The console under load, in Debian's Chromium: 10,000 jobs on the page (time to the first list,
to sort, to filter, to page), then the page left open on a running clock while the browser's heap
(after a garbage collection) and the server's resident memory are sampled. Both must stay flat.

Run: ``make bench-console`` (``BENCH_JOBS``, ``BENCH_MINUTES``: 10,000 jobs and 60 minutes by default;
the clock runs at ``BENCH_SPEED`` simulated seconds per second, 60 by default, with a new job every
``BENCH_EVERY`` seconds, so that the page always has news).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_serve import JOB, free_port, wait_for  # the endpoint benchmark's helpers (this script's folder)

JOBS = int(os.environ.get("BENCH_JOBS", "10000"))
MINUTES = float(os.environ.get("BENCH_MINUTES", "60"))
SPEED = float(os.environ.get("BENCH_SPEED", "60"))
EVERY = float(os.environ.get("BENCH_EVERY", "5"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
def post(url: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("bench-console needs Debian's chromium: apt-get install chromium")
    import boto3
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--clock", "manual", "--port", str(port)],
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(port, server)
        sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="y")
        started = time.perf_counter()
        for i in range(JOBS):
            sm.create_training_job(TrainingJobName=f"job-{i:05d}", **JOB)
        print(f"{JOBS:,} jobs created in {time.perf_counter() - started:.0f} s; server {rss_mb(server.pid):.0f} MB")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium,
                                                 args=[*FLAGS, "--enable-precise-memory-info"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            started = time.perf_counter()
            page.goto(url + "/")
            page.wait_for_function(f"document.querySelector('#jobs-count').textContent.includes('{JOBS:,}')",
                                   timeout=120_000)
            print(f"first list of {JOBS:,} jobs: {time.perf_counter() - started:.2f} s")
            for what, action in (("sort by name", lambda: page.click('th button[data-sort="TrainingJobName"]')),
                                 ("filter by name", lambda: page.fill("#filter-name", "job-09")),
                                 ("next page", lambda: (page.fill("#filter-name", ""), page.click("#page-next")))):
                started = time.perf_counter()
                action()
                page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
                print(f"{what}: {(time.perf_counter() - started) * 1000:.0f} ms")
            session = page.context.new_cdp_session(page)
            post(url, "/_tjsim/clock/play", {"speed": SPEED})
            samples = []
            end = time.monotonic() + MINUTES * 60
            created, next_job = 0, time.monotonic()
            while time.monotonic() < end:
                if time.monotonic() >= next_job:
                    sm.create_training_job(TrainingJobName=f"more-{created:05d}", **JOB)
                    created, next_job = created + 1, next_job + EVERY
                if not samples or time.monotonic() - samples[-1][0] >= max(10.0, MINUTES * 60 / 30):
                    session.send("HeapProfiler.collectGarbage")
                    heap = session.send("Runtime.getHeapUsage")["usedSize"] / 2**20
                    samples.append((time.monotonic(), heap, rss_mb(server.pid), page.evaluate("window.tjsim.last")))
                    t0 = samples[0][0]
                    print(f"  +{(samples[-1][0] - t0) / 60:5.1f} min: page heap {heap:6.1f} MB, server "
                          f"{samples[-1][2]:6.1f} MB, {samples[-1][3]:,} events", flush=True)
                time.sleep(0.5)
            browser.close()
        first, last = samples[len(samples) // 4], samples[-1]  # after the first quarter: warmed up
        heap_growth, server_growth = last[1] - first[1], last[2] - first[2]
        print(f"over {MINUTES:g} min at {SPEED:g}x, {created} more jobs: page heap {heap_growth:+.1f} MB, "
              f"server {server_growth:+.1f} MB after warm-up")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
