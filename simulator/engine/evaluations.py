"""Debugger and Profiler rule evaluations beside a job: their statuses over time and their ARNs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Generator
from typing import Any

import simpy

from . import messages as msg
from . import record as rec
from .history import History, Quiet
from .plan import Plan, RuleOutcome, Timing, partition
from .statuses import Secondary as S
from .streams import Streams


def evaluate(env: simpy.Environment, lifecycle: simpy.Process, rules: list[RuleOutcome], history: History,
             streams: Streams, timing: Timing) -> Generator[simpy.Event, Any, None]:
    """Rule evaluations finish after the job ends [INF]: with their scenario outcome when the job
    completed; when it failed or was stopped, those still running show Stopping, then Stopped [OBS].
    ``lifecycle`` is the job's process, whose value is its final status; ``rules`` grows as updates
    add rules."""
    final = yield lifecycle
    if not rules:
        return
    completed = final == S.Completed
    if not completed:
        for rule in rules:
            history.log(rec.RULE, (rule.group, rule.name), ("Stopping", None))
    duration = timing.rule_evaluation if completed else timing.rule_stopping
    source = "rule_evaluation" if completed else "rule_stopping"
    finishing = sorted((env.now + streams.draw(source, duration), i) for i in range(len(rules)))
    for at, i in finishing:
        yield env.timeout(at - env.now)
        rule = rules[i]
        if completed:
            template = msg.RULE_DETAILS.get(rule.result)
            details = rule.details or (template.format(rule=rule.name) if template else None)
            history.log(rec.RULE, (rule.group, rule.name), (rule.result, details))
        else:
            history.log(rec.RULE, (rule.group, rule.name), ("Stopped", None))


def started(history: History | Quiet, plan: Plan, rule: RuleOutcome) -> None:
    """The instances are up: ``rule``'s evaluation job exists, with its ARN."""
    history.log(rec.RULE_ARN, (rule.group, rule.name), evaluation_arn(plan, rule))


def evaluation_arn(plan: Plan, rule: RuleOutcome) -> str:
    """The ARN of the processing job that evaluates ``rule``: stable for a job and rule name."""
    digest = hashlib.sha1(f"{plan.arn}/{rule.name}".encode()).hexdigest()[:8]
    stem = re.sub(r"[^a-zA-Z0-9]+", "-", f"{plan.name[:26]}-{rule.name[:26]}").strip("-").lower()
    return f"arn:{partition(plan.region)}:sagemaker:{plan.region}:{plan.account}:processing-job/{stem}-{digest}"
