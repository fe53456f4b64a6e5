"""The texts a job shows: StatusMessage per phase and FailureReason per error kind.

Messages are stored exactly as the service writes them, punctuation included: only the Training
message ends with a period. [OBS] marks a text seen in real DescribeTrainingJob output or SDK logs
(sources in docs/semantics.md); [INF] a text with no real sample, which is ours.
"""

STARTING = "Starting the training job"  # [OBS]
LAUNCHING = "Launching requested ML instances"  # [OBS] 2019–2023 only
PREPARING = "Preparing the instances for training"  # [OBS]
NO_CAPACITY = "Insufficient capacity error from EC2 while launching instances, retrying!"  # [OBS]
DOWNLOADING = "Downloading input data"  # [OBS]
PULLING_IMAGE = "Downloading the training image"  # [OBS]
TRAINING = "Training image download completed. Training in progress."  # [OBS], with its period
UPLOADING = "Uploading generated training model"  # [OBS]
COMPLETED = "Training job completed"  # [OBS]
RETAINED = "Resource retained for reuse"  # [OBS] the Completed message of a job that keeps a warm pool
REUSED = "Resource reused by training job: {name}"  # [OBS] ... once a later job took the pool
FAILED = "Training job failed"  # [OBS]
STOPPING = "Stopping the training job"  # [OBS]
STOPPED = "Training job stopped"  # [OBS]
PENDING = "Waiting for ML instance capacity"  # [INF]
INTERRUPTED = "The managed spot training instances were interrupted"  # [INF], from the reference page
RESTARTING = "Restarting the training job after an internal error"  # [INF]
UPDATING = "Updating the training job"  # [INF]
MAX_RUNTIME = "Training job stopped because it exceeded MaxRuntimeInSeconds"  # [INF]
MAX_WAIT = "Training job stopped because it exceeded MaxWaitTimeInSeconds"  # [INF]
MAX_PENDING = "Training job stopped because it exceeded MaxPendingTimeInSeconds"  # [INF]

#: FailureReason texts when a scenario gives none [OBS]; the service caps them at 1024 characters.
FAILURE_REASONS = {
    "AlgorithmError": "ExecuteUserScriptError: Command \"/usr/local/bin/python3.9 train.py\" exited with "
                      "non-zero exit status 1",
    "ClientError": "Data download failed: Could not download the input data from S3",
    "CapacityError": "Unable to provision requested ML compute capacity. Please retry using a different ML "
                     "instance type.",
    "InternalServerError": "We encountered an internal error. Please try again.",
    # [DOC] the error a job pending for capacity too long ends with; the text is ours [INF]
    "InsufficientCapacityError": "The training job was pending for compute capacity for too long.",
}

#: StatusDetails of a finished rule evaluation, by outcome [INF, modelled on SDK output].
RULE_DETAILS = {
    "IssuesFound": "RuleEvaluationConditionMet: Evaluation of the rule {rule} at step 500 resulted in the "
                   "condition being met",
    "Error": "InternalServerError: An internal error occurred while evaluating the rule {rule}",
}

#: Every StatusMessage a status can show, for the conformance check (REUSED is matched by prefix).
BY_STATUS: dict[str, frozenset[str]] = {
    "Pending": frozenset({PENDING}),
    "Starting": frozenset({STARTING, LAUNCHING, PREPARING, NO_CAPACITY}),
    "LaunchingMLInstances": frozenset({LAUNCHING}),
    "PreparingTrainingStack": frozenset({PREPARING}),
    "Downloading": frozenset({DOWNLOADING, PULLING_IMAGE}),
    "DownloadingTrainingImage": frozenset({PULLING_IMAGE}),
    "Training": frozenset({PULLING_IMAGE, TRAINING}),
    "Uploading": frozenset({UPLOADING}),
    "Interrupted": frozenset({INTERRUPTED}),
    "Restarting": frozenset({RESTARTING}),
    "Updating": frozenset({UPDATING}),
    "Stopping": frozenset({STOPPING}),
    "Completed": frozenset({COMPLETED, RETAINED}),
    "Failed": frozenset({FAILED}),
    "Stopped": frozenset({STOPPED, MAX_PENDING}),
    "MaxRuntimeExceeded": frozenset({MAX_RUNTIME}),
    "MaxWaitTimeExceeded": frozenset({MAX_WAIT}),
}


def failure_reason(kind: str, message: str | None) -> str:
    """``"<Kind>: <message>"``, at most 1024 characters."""
    return f"{kind}: {message or FAILURE_REASONS[kind]}"[:1024]


def known(status: str, message: str) -> bool:
    """Whether ``message`` is a text the service shows in ``status``."""
    if status == "Completed" and message.startswith(REUSED.split("{")[0]):
        return True
    return message in BY_STATUS.get(status, ())
