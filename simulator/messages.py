"""The texts a job shows: StatusMessage per phase and FailureReason per error kind.

Texts marked [OBS] were seen in real describe output (SEMANTICS §3, §5); the others have no real
sample and are ours [INF]. Stored messages carry no trailing period, as real ones do.
"""

STARTING = "Starting the training job"  # [OBS]
LAUNCHING = "Launching requested ML instances"  # [OBS]
PREPARING = "Preparing the instances for training"  # [OBS]
NO_CAPACITY = "Insufficient capacity error from EC2 while launching instances, retrying!"  # [OBS]
DOWNLOADING = "Downloading input data"  # [OBS]
PULLING_IMAGE = "Downloading the training image"  # [OBS]
TRAINING = "Training image download completed. Training in progress"  # [OBS], stored without the final period
UPLOADING = "Uploading generated training model"  # [OBS]
COMPLETED = "Training job completed"  # [OBS]
FAILED = "Training job failed"  # [OBS]
STOPPING = "Stopping the training job"  # [OBS]
STOPPED = "Training job stopped"  # [OBS]
PENDING = "Waiting for ML instance capacity"  # [INF]
INTERRUPTED = "The managed spot training instances were interrupted"  # [INF], from the reference page
RESTARTING = "Restarting the training job after an internal error"  # [INF]
UPDATING = "Updating the training job"  # [INF]
MAX_RUNTIME = "Training job stopped because it exceeded MaxRuntimeInSeconds"  # [INF]
MAX_WAIT = "Training job stopped because it exceeded MaxWaitTimeInSeconds"  # [INF]

#: FailureReason texts when a scenario gives none [OBS]; the service caps them at 1024 characters.
FAILURE_REASONS = {
    "AlgorithmError": "ExecuteUserScriptError: Command \"/usr/local/bin/python3.9 train.py\" exited with "
                      "non-zero exit status 1",
    "ClientError": "Data download failed: Could not download the input data from S3",
    "CapacityError": "Unable to provision requested ML compute capacity. Please retry using a different ML "
                     "instance type.",
    "InternalServerError": "We encountered an internal error. Please try again.",
}

#: StatusDetails of a finished rule evaluation, by outcome [INF, modelled on SDK output].
RULE_DETAILS = {
    "IssuesFound": "RuleEvaluationConditionMet: Evaluation of the rule {rule} at step 500 resulted in the "
                   "condition being met",
    "Error": "InternalServerError: An internal error occurred while evaluating the rule {rule}",
}


def failure_reason(kind: str, message: str | None) -> str:
    """``"<Kind>: <message>"``, at most 1024 characters."""
    return f"{kind}: {message or FAILURE_REASONS[kind]}"[:1024]
