"""The browser console, judged in a real browser: Debian's Chromium driven by Playwright (no browser
download). The tests create jobs, drive the clock, stop, interrupt and fail jobs from the page, and
see the list and the timeline change without a reload; screenshots at 1280 and 390 px wide are kept
in ``.screenshots/`` for a person to look at."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path

import pytest

from simulator.server.plugin import SageMakerSim

from .aws_helpers import job
from .server_helpers import start_server

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).resolve().parent.parent / ".screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Chromium as a root user in a closed network starts: no sandbox, no calls home
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("TJSIM_REQUIRE_BROWSER"):
            pytest.fail("TJSIM_REQUIRE_BROWSER is set and Chromium is missing: apt-get install chromium")
        pytest.skip("a real browser is needed: install Debian's chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra has it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, sagemaker_sim):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" else None)
    page.goto(sagemaker_sim.endpoint_url + "/")
    page.wait_for_function("window.tjsim && window.tjsim.source !== null")
    page.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
    yield page
    assert page.evaluate("window.loadedOnce") is True, "the page reloaded"
    assert not [p for p in problems if "400" not in p], problems  # (a refused call logs its 400: expected)
    page.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(150)
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def row(page, name: str):
    return page.locator(f'#jobs-body tr[data-name="{name}"]')


def step_until(page, sim, name: str, status: str, steps: int = 30) -> None:
    """Click "Step this job" until the job's page shows ``status``: after each step, the page must
    show what the endpoint describes (it follows the event stream)."""
    sm = sim.client()
    for _ in range(steps):
        d = sm.describe_training_job(TrainingJobName=name)
        shown = f"{d['TrainingJobStatus']} · {d['SecondaryStatus']}"
        page.wait_for_function("([s]) => document.querySelector('#job-status').textContent === s", arg=[shown])
        if status in shown:
            return
        with page.expect_response("**/_tjsim/clock/next"):
            page.click("#job-next")
    raise AssertionError(f"the job never showed {status}: {page.inner_text('#job-status')}")


def create_from_scenario(page, scenario: str, name: str) -> None:
    page.click("#new-job")
    page.select_option("#scenario", scenario)
    page.fill("#scenario-name", name)
    page.click("#new-create")
    page.wait_for_function(f"location.hash === '#/job/{name}'")
    page.click("#home")


def test_jobs_created_on_the_page_move_as_the_page_drives_the_clock(page, sagemaker_sim):
    create_from_scenario(page, "spot-interrupted", "spotty")
    create_from_scenario(page, "on-demand-completed", "steady")
    sagemaker_sim.client().create_training_job(**job("from-boto3"))  # another client's job appears too
    for name in ("spotty", "steady", "from-boto3"):
        row(page, name).wait_for()
    assert row(page, "steady").locator("td").nth(2).inner_text() == "Starting"
    page.click("#clock-next")
    page.fill("#clock-by", "2h")
    page.click("#clock-advance")
    page.wait_for_function("""document.querySelector('#jobs-body tr[data-name="steady"] td:nth-child(2)')
                              .textContent.includes('Completed')""")
    assert row(page, "spotty").locator("td").nth(4).inner_text() == "spot"
    page.select_option("#filter-status", "Completed")
    shown = page.locator("#jobs-body tr td:nth-child(2)").all_inner_texts()
    assert shown and all(s == "Completed" for s in shown)
    page.select_option("#filter-status", "")
    page.fill("#filter-name", "sTeAd")
    assert page.locator("#jobs-body tr").count() == 1
    page.fill("#filter-name", "")
    page.click('th button[data-sort="TrainingJobName"]')
    assert page.locator("#jobs-body tr").first.get_attribute("data-name") == "from-boto3"
    shoot(page, "jobs")


def test_a_job_stopped_from_its_page_shows_stopping_then_stopped(page, sagemaker_sim):
    create_from_scenario(page, "on-demand-completed", "to-stop")
    page.click("text=to-stop")
    step_until(page, sagemaker_sim, "to-stop", "Training")
    page.click("#job-stop")
    page.wait_for_function("document.querySelector('#job-status').textContent.includes('Stopping')")
    step_until(page, sagemaker_sim, "to-stop", "Stopped")
    statuses = page.locator(".transitions td:first-child").all_inner_texts()
    assert statuses[-1] == "Stopped" and statuses.index("Stopping") < len(statuses) - 1
    assert page.locator("#timeline svg rect.status-bar").count() == len(statuses)


def test_an_interruption_injected_from_the_page_shows_in_the_timeline(page, sagemaker_sim):
    request = job("spot-page", EnableManagedSpotTraining=True,
                  CheckpointConfig={"S3Uri": "s3://bucket/checkpoints"},
                  StoppingCondition={"MaxRuntimeInSeconds": 86400, "MaxWaitTimeInSeconds": 172800})
    sagemaker_sim.client().create_training_job(**request)
    page.goto(sagemaker_sim.endpoint_url + "/#/job/spot-page")
    page.evaluate("window.loadedOnce = true")
    step_until(page, sagemaker_sim, "spot-page", "Training")
    page.click("#job-interrupt")
    page.wait_for_function("document.querySelector('#job-status').textContent.includes('Interrupted')")
    assert "Interrupted" in page.locator(".legend").inner_text()
    page.click("details.update summary")  # an update is for a job that is Training: refused, and said so
    page.click("#job-update")
    page.wait_for_selector("#update-error:not([hidden])")
    assert "ValidationException" in page.inner_text("#update-error")
    shoot(page, "job")


def test_a_bad_request_pasted_on_the_page_shows_the_services_message(page):
    page.click("#new-job")
    page.check("input[value=request]")
    page.fill("#request-body", '{"TrainingJobName": "bad name!", "RoleArn": "x"}')
    page.click("#new-create")
    page.wait_for_selector("#new-errors:not([hidden])")
    errors = page.locator("#new-errors li").all_inner_texts()
    assert any(e.startswith("trainingJobName:") for e in errors), errors
    page.fill("#request-body", "{not json")
    page.click("#new-create")
    page.wait_for_function("document.querySelector('#new-errors').textContent.includes('not JSON')")
    page.click("#new-cancel")


def test_a_control_refused_shows_the_reason(page):
    page.click("#clock-play")
    page.wait_for_function("document.querySelector('#clock-mode').textContent.includes('running')")
    assert page.is_disabled("#clock-next")
    page.fill("#clock-speed", "-5")
    page.click("#clock-play")
    page.wait_for_selector("#error:not([hidden])")
    assert "speed" in page.inner_text("#error")
    page.click("#clock-pause")
    page.wait_for_function("document.querySelector('#clock-mode').textContent.includes('paused')")


def test_every_control_is_labelled_and_the_keyboard_reaches_them(page, sagemaker_sim):
    unlabelled = page.evaluate("""[...document.querySelectorAll('input, select, textarea, button')]
        .filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                       && !(e.tagName === 'BUTTON' && e.textContent.trim()))
        .map((e) => e.id || e.outerHTML)""")
    assert unlabelled == []
    sagemaker_sim.client().create_training_job(**job("by-keyboard"))
    row(page, "by-keyboard").wait_for()
    page.focus("#clock-next")
    with page.expect_response("**/_tjsim/clock/next"):
        page.keyboard.press("Enter")
    page.focus('#jobs-body a[href="#/job/by-keyboard"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("#job-view:not([hidden])")
    assert page.inner_text("#job-title") == "by-keyboard"
    assert page.evaluate("document.activeElement.id") == "job-title"  # focus follows the page opened
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "job-next"


def test_dark_and_light_follow_the_system(browser, sagemaker_sim):
    colours = {}
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        page.goto(sagemaker_sim.endpoint_url + "/")
        page.wait_for_selector("#jobs-count")
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SHOTS / f"jobs-{scheme}.png")
        page.close()
    assert colours["light"] == "rgb(255, 255, 255)" and colours["dark"] != colours["light"]


def test_a_page_open_on_a_running_clock_keeps_its_memory_flat(page, sagemaker_sim):
    """The hour-long soak is ``make bench-console``; here ten seconds at 600x: the heap after a garbage
    collection does not grow with the events the page has taken in."""
    sm = sagemaker_sim.client()
    for i in range(100):
        sm.create_training_job(**job(f"soak-{i:03d}"))
    page.click("text=soak-000")  # a job's page too: its log tails, its charts redraw
    page.wait_for_selector("#job-view:not([hidden])")
    session = page.context.new_cdp_session(page)

    def heap() -> float:
        session.send("HeapProfiler.collectGarbage")
        return session.send("Runtime.getHeapUsage")["usedSize"] / 2**20

    page.fill("#clock-speed", "600")
    page.click("#clock-play")
    page.wait_for_timeout(3000)
    warmed, events = heap(), page.evaluate("window.tjsim.last")
    page.wait_for_timeout(7000)
    grown = heap() - warmed
    assert page.evaluate("window.tjsim.last") > events  # it kept taking events in
    assert grown < 1.0, f"the page's heap grew {grown:.2f} MB in 7 s"
    page.click("#clock-pause")


def test_the_page_resumes_its_event_stream_after_the_server_restarts(browser, tmp_path):
    """The server stops (SIGTERM) and starts again on its state file: the page's EventSource
    reconnects by itself, sends Last-Event-ID, and gets what happened meanwhile, nothing twice."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    state = tmp_path / "state.db"
    server, url = start_server(state, port)
    try:
        sim = SageMakerSim(url)
        sim.client().create_training_job(**job("while-away"))
        page = browser.new_page()
        page.goto(url + "/")
        row(page, "while-away").wait_for()
        page.wait_for_function("window.tjsim.reconnects === 1")
        server.terminate()
        server.wait(timeout=30)
        server, _ = start_server(state, port)  # on the same port: the page's EventSource finds it
        sim.advance(100_000)  # the job runs to its end while the page is away
        page.wait_for_function("window.tjsim.reconnects >= 2", timeout=30_000)
        page.wait_for_function("""document.querySelector('#jobs-body tr[data-name="while-away"] td:nth-child(2)')
                                  .textContent.includes('Completed')""")
        last = json.loads(urllib.request.urlopen(url + "/_tjsim/jobs", timeout=30).read())["last"]
        assert page.evaluate("[window.tjsim.last, window.tjsim.gaps, window.tjsim.duplicates]") == [last, 0, 0]
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
