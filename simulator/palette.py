"""The colour of each secondary status, grouped by what the job is doing: one palette for
``tjsim plot``'s timelines and the endpoint's console, so that they agree."""

from __future__ import annotations

COLOURS = {
    "Pending": "#c7c7c7", "Starting": "#9ecae1", "LaunchingMLInstances": "#9ecae1", "PreparingTrainingStack": "#6baed6",
    "Downloading": "#4292c6", "DownloadingTrainingImage": "#2171b5", "Training": "#31a354", "Uploading": "#74c476",
    "Interrupted": "#e6550d", "Restarting": "#fd8d3c", "Updating": "#bcbddc", "Stopping": "#fdd0a2",
    "Completed": "#006d2c", "Failed": "#a50f15", "Stopped": "#fd8d3c", "MaxRuntimeExceeded": "#d94801",
    "MaxWaitTimeExceeded": "#7f2704",
}
UNKNOWN = "#999999"  #: a status the palette does not name
BILLED = "#333333"  #: the band under a timeline where instances are billed
INTERRUPTION = "#e6550d"  #: the mark of a spot interruption
CHECKPOINT = "#31a354"  #: the mark of a checkpoint written

__all__ = ["BILLED", "CHECKPOINT", "COLOURS", "INTERRUPTION", "UNKNOWN"]
