"""What sends unchanged client code to an endpoint: ``AWS_ENDPOINT_URL``, and a SageMaker Python SDK
configuration file. The SDK (v2 and v3) calls STS by a fixed regional URL to name its default bucket,
which ``AWS_ENDPOINT_URL`` does not redirect; naming the bucket in its configuration
(``SAGEMAKER_USER_CONFIG_OVERRIDE``) skips that call. Telemetry, a plain HTTPS request to AWS, is
opted out of there too."""

from __future__ import annotations

from pathlib import Path

from ..defaults import DEFAULT_ACCOUNT, DEFAULT_REGION


def sdk_config(folder: Path, region: str = DEFAULT_REGION, account: str = DEFAULT_ACCOUNT) -> Path:
    """Write the SDK configuration in ``folder``: the default bucket ``sagemaker-<region>-<account>``
    (the name the SDK would give it), and no telemetry. Its path."""
    path = Path(folder) / "sagemaker-config.yaml"
    path.write_text("SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      TelemetryOptOut: true\n"
                    f"      Session:\n        DefaultS3Bucket: sagemaker-{region}-{account}\n")
    return path


def environment(endpoint_url: str, folder: Path, region: str = DEFAULT_REGION,
                account: str = DEFAULT_ACCOUNT) -> dict[str, str]:
    """The variables that send an unchanged program's AWS calls to ``endpoint_url``."""
    return {"AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": region,
            "SAGEMAKER_USER_CONFIG_OVERRIDE": str(sdk_config(folder, region, account))}
