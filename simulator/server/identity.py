"""Identity, as an administrator's account answers it: STS ``GetCallerIdentity``, IAM ``GetRole`` for
any role of the account (trusting ``sagemaker.amazonaws.com``) and ``SimulatePrincipalPolicy``
(allowed). The SageMaker SDK v3 checks a job's role this way before creating it; v2's
``get_execution_role()`` reads the caller's role.

:class:`Roles` makes a named role missing (``NoSuchEntity``) or denied (every action
``implicitDeny``), so that a UI can be tested against those answers too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .. import service, shapes
from ..errors import TjsimError
from .sagemaker import validation_message

if TYPE_CHECKING:
    from .backend import Backend

CALLER_ROLE = "Admin"  #: the role the caller has assumed
#: [DOC] the trust policy of a SageMaker execution role
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}


class ValidationError(TjsimError):
    """IAM's and STS's answer for an invalid request."""

    code = "ValidationError"


def _check(request: dict[str, Any], name: str, operation: str) -> None:
    problems = shapes.validate_request(request, service.model(name).operation_model(operation).input_shape)
    if problems:
        raise ValidationError(validation_message(problems))


class NoSuchEntity(TjsimError):
    """IAM's answer for a role that does not exist (HTTP 404)."""

    code = "NoSuchEntity"


@dataclass(frozen=True)
class Roles:
    """Roles that answer otherwise than an administrator's: ``missing`` ones do not exist,
    ``denied`` ones are refused every action."""

    missing: frozenset[str] = field(default_factory=frozenset)
    denied: frozenset[str] = field(default_factory=frozenset)


def get_caller_identity(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """The caller: an administrator's assumed role in the server's account."""
    _check(request, "sts", "GetCallerIdentity")
    return {"UserId": f"{_id('AROA', CALLER_ROLE)}:tjsim", "Account": backend.account,
            "Arn": f"arn:aws:sts::{backend.account}:assumed-role/{CALLER_ROLE}/tjsim"}


def get_role(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Any role of the account, trusting SageMaker, unless it is made missing.

    Raises:
        NoSuchEntity: the role is one of :attr:`Roles.missing`.
    """
    _check(request, "iam", "GetRole")
    name = request["RoleName"]
    _exists(backend, name)
    return {"Role": {"Path": "/", "RoleName": name, "RoleId": _id("AROA", name),
                     "Arn": f"arn:aws:iam::{backend.account}:role/{name}",
                     "CreateDate": datetime.fromtimestamp(backend.sim.origin, UTC),
                     "AssumeRolePolicyDocument": quote(json.dumps(TRUST)), "MaxSessionDuration": 3600}}


def simulate_principal_policy(backend: Backend, request: dict[str, Any]) -> dict[str, Any]:
    """Every action asked for is allowed (``implicitDeny`` for a denied role), on every resource.

    Raises:
        NoSuchEntity: the policy source is a missing role, or a role of another account.
    """
    _check(request, "iam", "SimulatePrincipalPolicy")
    source = request["PolicySourceArn"]
    account, _, resource = source.partition(":")[2].partition(":")[2].partition(":")[2].partition(":")
    name = resource.rpartition("/")[2]
    if resource.startswith("role/"):
        if account != backend.account:
            raise NoSuchEntity(f"The role with name {name} cannot be found.")
        _exists(backend, name)
    decision = "implicitDeny" if name in backend.roles.denied else "allowed"
    resources = request.get("ResourceArns") or ["*"]
    results = [{"EvalActionName": action, "EvalResourceName": arn, "EvalDecision": decision,
                "MatchedStatements": [], "MissingContextValues": []}
               for action in request.get("ActionNames", []) for arn in resources]
    return {"EvaluationResults": results, "IsTruncated": False}


def _exists(backend: Backend, name: str) -> None:
    if name in backend.roles.missing:  # [DOC] IAM's words for a missing role
        raise NoSuchEntity(f"The role with name {name} cannot be found.")


def _id(prefix: str, name: str) -> str:
    """A stable unique id of the IAM kind (``AROA`` + 17 characters), from the name."""
    return prefix + hashlib.sha256(name.encode()).hexdigest()[:17].upper()


#: the operations of this module, by service and name
OPERATIONS = {("sts", "GetCallerIdentity"): get_caller_identity, ("iam", "GetRole"): get_role,
              ("iam", "SimulatePrincipalPolicy"): simulate_principal_policy}
