"""The tags of training jobs: ``AddTags``, ``ListTags`` and ``DeleteTags`` on their ARNs.

A job's tags are its CreateTrainingJob request's ``Tags``, then whatever AddTags and DeleteTags did
(each journaled, so a restart keeps them). An ARN that is no training job's is another resource's:
:mod:`.elsewhere` answers for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import service
from ..errors import RequestError, ResourceNotFound
from .elsewhere import Elsewhere
from .sagemaker import check

if TYPE_CHECKING:
    from .backend import Backend

MAX_TAGS = int(service.shape("TagList").metadata["max"])  #: [DOC] tags a resource may carry


class Tags:
    """Every training job's tags, by ARN, in the order they were added."""

    def __init__(self) -> None:
        self._by_arn: dict[str, dict[str, str]] = {}

    def created(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        """A job was created with ``tags`` (its request's, already validated)."""
        self._by_arn[arn] = {tag["Key"]: tag.get("Value", "") for tag in tags or ()}

    def check(self, arn: str, tags: list[dict[str, str]]) -> None:
        """What :meth:`add` would refuse, refused without adding.

        Raises:
            RequestError: the resource would carry more than :data:`MAX_TAGS`.
        """
        keys = dict.fromkeys([*self._by_arn[arn], *(tag["Key"] for tag in tags)])
        if len(keys) > MAX_TAGS:  # [INF] the service's words for this limit were not found
            raise RequestError(f"1 validation error detected: the resource {arn} would have {len(keys)} tags; "
                               f"a resource has at most {MAX_TAGS}")

    def add(self, arn: str, tags: list[dict[str, str]]) -> None:
        """Add or overwrite ``tags``.

        Raises:
            RequestError: the resource would carry more than :data:`MAX_TAGS`.
        """
        self.check(arn, tags)
        self._by_arn[arn].update({tag["Key"]: tag.get("Value", "") for tag in tags})

    def remove(self, arn: str, keys: list[str]) -> None:
        for key in keys:
            self._by_arn[arn].pop(key, None)

    def of(self, arn: str) -> list[dict[str, str]]:
        return [{"Key": key, "Value": value} for key, value in self._by_arn.get(arn, {}).items()]

    def pairs(self, arn: str) -> tuple[tuple[str, str], ...]:
        """The tags of ``arn`` as (key, value) pairs, in order."""
        return tuple(self._by_arn.get(arn, {}).items())

    def __contains__(self, arn: str) -> bool:
        return arn in self._by_arn


def add_tags(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Tag a training job (another resource's ARN goes to :mod:`.elsewhere`).

    Raises:
        RequestError: the request is invalid, or the job would carry more than 50 tags.
        ResourceNotFound: the ARN names a training job that does not exist.
    """
    arn = _job_arn(backend, request, "AddTags")
    backend.tags.check(arn, request["Tags"])
    backend.persist("tags", {"arn": arn, "add": request["Tags"]})
    backend.tags.add(arn, request["Tags"])
    backend.applied()
    return {"Tags": request["Tags"]}


def delete_tags(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Remove tags of a training job by key (keys it lacks are ignored, as the service does).

    Raises:
        RequestError: the request is invalid.
        ResourceNotFound: the ARN names a training job that does not exist.
    """
    arn = _job_arn(backend, request, "DeleteTags")
    backend.persist("tags", {"arn": arn, "remove": request["TagKeys"]})
    backend.tags.remove(arn, request["TagKeys"])
    backend.applied()
    return {}


def list_tags(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """A training job's tags: one page (a job carries at most 50, a page holds at least 50).

    Raises:
        RequestError: the request is invalid, or its NextToken is not one this endpoint gave.
        ResourceNotFound: the ARN names a training job that does not exist.
    """
    arn = _job_arn(backend, request, "ListTags")
    if request.get("NextToken") not in (None, ""):
        raise RequestError("NextToken: not a token this endpoint gave (a job's tags fit in one page)")
    return {"Tags": backend.tags.of(arn)}


def _job_arn(backend: Backend, request: dict[str, Any], operation: str) -> str:
    """The training job's ARN the request names, validated.

    Raises:
        Elsewhere: the ARN is not a training job's.
        RequestError: the request is invalid.
        ResourceNotFound: no such training job.
    """
    arn = request.get("ResourceArn")
    if not isinstance(arn, str) or ":training-job/" not in arn:
        raise Elsewhere(operation)
    check(request, operation)
    if arn not in backend.tags:
        raise ResourceNotFound(arn.rpartition("/")[2])
    return arn


#: the operations of this module, by name
OPERATIONS = {"AddTags": add_tags, "DeleteTags": delete_tags, "ListTags": list_tags}
