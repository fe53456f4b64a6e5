"""The SageMaker Python SDK v2 tests run in their own environment (``make test-sdk-v2``: ``sagemaker<3``
beside tjsim); under the main suite's SDK v3 they are skipped."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    _MAJOR = int(version("sagemaker").split(".")[0])
except PackageNotFoundError:
    _MAJOR = 0

if _MAJOR != 2:
    collect_ignore_glob = ["test_*.py"]
