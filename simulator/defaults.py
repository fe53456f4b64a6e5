"""What a job gets when a scenario, a request or a server leaves a value out: each default once,
at the bottom of the package (no imports beyond the standard library), so every layer reads the
same one."""

from __future__ import annotations

from datetime import UTC, datetime

#: CreationTime of a scenario's first job, and the simulation clock's zero, unless given
DEFAULT_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_MAX_RUNTIME = 86400  # [DOC] StoppingCondition.MaxRuntimeInSeconds defaults to one day
MAX_RUNTIME_LIMIT = 28 * 86400  # [DOC] "The maximum value is 28 days"
