"""Where the service puts its messages changed over the years; each era is data the job reads.

Sources, per era, are in docs/semantics.md ("Eras"). In short:

* ``2024+`` (the default, today's service): Starting reads "Starting the training job", then
  "Preparing the instances for training"; the training image is pulled at the end of Downloading
  (which every job then has, whatever its input mode); Training opens reading "Training image
  download completed. Training in progress.".
* ``2019-2023``: Starting adds "Launching requested ML instances"; Downloading is only for File
  input; the image pull is the start of Training ("Downloading the training image").
* ``pre-2019``: LaunchingMLInstances, PreparingTrainingStack and DownloadingTrainingImage are
  statuses of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..distributions import Uniform
from . import messages as msg

#: where the training image is pulled
ImagePull = Literal["downloading", "training", "status"]


@dataclass(frozen=True, slots=True)
class Era:
    """How one era of the service shows a job starting and getting ready to train."""

    name: str
    #: the steps of Starting: (trigger of a status of its own, or None for a message change within
    #: Starting; the message; the share of the Starting time). The first step keeps the message the
    #: status was entered with.
    starting_steps: tuple[tuple[str | None, str, float], ...]
    starting: Uniform  #: default duration of Starting, seconds [OBS]
    image_pull: ImagePull
    #: the service echoes OutputDataConfig.CompressionType (GZIP) when the request leaves it out [OBS]
    echoes_compression: bool


ERAS: dict[str, Era] = {
    "2024+": Era("2024+", ((None, msg.STARTING, 0.35), (None, msg.PREPARING, 0.65)),
                 Uniform(uniform=[35, 74]), "downloading", True),
    "2019-2023": Era("2019-2023", ((None, msg.STARTING, 0.1), (None, msg.LAUNCHING, 0.6), (None, msg.PREPARING, 0.3)),
                     Uniform(uniform=[94, 140]), "training", False),
    "pre-2019": Era("pre-2019", ((None, msg.STARTING, 0.1), ("launch_instances", msg.LAUNCHING, 0.6),
                                 ("prepare_stack", msg.PREPARING, 0.3)),
                    Uniform(uniform=[94, 140]), "status", False),
}
DEFAULT_ERA = "2024+"
