"""The package's layers (tools/architecture.py reads the imports with ast): no import cycle, no layer
importing a higher one (the engine never the scenario format), and docs/architecture.md's picture
made from the code as it is."""

from __future__ import annotations

import importlib.util

from .conftest import ROOT

_spec = importlib.util.spec_from_file_location("architecture", ROOT / "tools" / "architecture.py")
architecture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(architecture)
EDGES = architecture.graph()


def test_no_import_cycle_between_modules_or_packages():
    assert architecture.cycles(EDGES) == []
    parts = {}
    for module, targets in EDGES.items():
        for target, runs in targets.items():
            if runs and module != architecture.FACADE:
                parts.setdefault(architecture.node_of(module), {})[architecture.node_of(target)] = True
    assert architecture.cycles({a: {b: True for b in bs if b != a} for a, bs in parts.items()}) == []


def test_no_layer_imports_a_higher_one():
    assert architecture.upward(EDGES) == []


def test_the_engine_never_imports_the_format_nor_anything_above_it():
    engine = {m: t for m, t in EDGES.items() if m.startswith("simulator.engine")}
    assert engine and not [f"{m} -> {t}" for m, targets in engine.items() for t in targets
                           if not t.startswith("simulator.engine") and architecture.layer_of(t) != 0]


def test_every_module_has_a_layer():
    assert [m for m in EDGES if m != architecture.FACADE and architecture.layer_of(m) is None] == []


def test_the_checks_find_a_cycle_and_an_upward_import():
    edges = {"simulator.engine.a": {"simulator.engine.b": True, "simulator.format.x": False},
             "simulator.engine.b": {"simulator.engine.a": True}, "simulator.format.x": {}}
    assert architecture.cycles(edges) == [["simulator.engine.a", "simulator.engine.b"]]
    assert architecture.upward(edges) == ["simulator.engine.a -> simulator.format.x (engine -> format)"]
    assert architecture.cycles({"a": {"b": False}, "b": {"a": True}}) == []  # typing-only imports never run


def test_the_architecture_page_shows_the_code_as_it_is():
    text = (ROOT / "docs" / "architecture.md").read_text()
    assert architecture.render(text, EDGES) == text, "run: python tools/architecture.py"


def test_no_module_holds_two_concepts_by_its_size():
    sizes = {name: len(path.read_text().splitlines()) for name, path in architecture.modules().items()}
    assert {name: size for name, size in sizes.items() if size > 400} == {}
