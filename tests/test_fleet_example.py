"""The example history tjsim ships is made from its parameters, byte for byte (``make history``), and
reads back as the engine lived it."""

from __future__ import annotations

from simulator.fleet import example
from simulator.fleet.measures import measure
from simulator.fleet.records import Reader

from .conftest import ROOT

HISTORY = ROOT / "scenarios" / "history"


def test_the_shipped_history_is_its_parameters_lived():
    made = "".join(example.dumps(r) + "\n" for r in example.responses(example.load(HISTORY / "example-fleet.yaml")))
    assert made == (HISTORY / "example-fleet.jsonl").read_text(), "run `make history` and commit the file"


def test_it_reads_back_whole():
    reader = Reader()
    measured = [measure(r.response) for r in reader.read([HISTORY / "example-fleet.jsonl"])]
    assert not reader.bad and len(measured) == 300
    assert {m.instance_type for m in measured} == {"ml.g5.xlarge", "ml.g5.12xlarge", "ml.p4d.24xlarge", "ml.m5.xlarge",
                                                   "ml.p3.2xlarge"}
    assert all(m.ended for m in measured) and any(m.interruptions for m in measured)
