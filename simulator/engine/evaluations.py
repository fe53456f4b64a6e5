"""Debugger and Profiler rule evaluations beside a job: their statuses over time and their ARNs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from . import messages as msg
from . import record as rec
from .plan import Plan, RuleOutcome, partition
from .statuses import Secondary as S

if TYPE_CHECKING:
    from .job import Job


def evaluate(job: Job) -> Generator[simpy.Event, Any, None]:
    """Rule evaluations finish after the job ends [INF]: with their scenario outcome when the job
    completed; when it failed or was stopped, those still running show Stopping, then Stopped [OBS]."""
    yield job.process
    if not job.rules:
        return
    env, timing = job.env, job.plan.timing
    completed = job.state == S.Completed
    if not completed:
        for rule in job.rules:
            job._log(rec.RULE, (rule.group, rule.name), ("Stopping", None))
    duration = timing.rule_evaluation if completed else timing.rule_stopping
    source = "rule_evaluation" if completed else "rule_stopping"
    finishing = sorted((env.now + job._draw(source, duration), i) for i in range(len(job.rules)))
    for at, i in finishing:
        yield env.timeout(at - env.now)
        rule = job.rules[i]
        if completed:
            template = msg.RULE_DETAILS.get(rule.result)
            details = rule.details or (template.format(rule=rule.name) if template else None)
            job._log(rec.RULE, (rule.group, rule.name), (rule.result, details))
        else:
            job._log(rec.RULE, (rule.group, rule.name), ("Stopped", None))


def evaluation_arn(plan: Plan, rule: RuleOutcome) -> str:
    """The ARN of the processing job that evaluates ``rule``: stable for a job and rule name."""
    digest = hashlib.sha1(f"{plan.arn}/{rule.name}".encode()).hexdigest()[:8]
    stem = re.sub(r"[^a-zA-Z0-9]+", "-", f"{plan.name[:26]}-{rule.name[:26]}").strip("-").lower()
    return f"arn:{partition(plan.region)}:sagemaker:{plan.region}:{plan.account}:processing-job/{stem}-{digest}"
