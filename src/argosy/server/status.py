"""Errors as grpc-gateway answers them: ``{"code": N, "message": "..."}`` with its HTTP status.

``code`` is the gRPC status code, the HTTP status is grpc-gateway's mapping of it. Each of
Argosy's error types maps to the code Argo's server would return for the same problem.
"""

from __future__ import annotations

from enum import IntEnum

from argosy.errors import (
    AlreadyExists,
    ArgosyError,
    ExpressionError,
    FailedPrecondition,
    InvalidArgument,
    ListOptionsError,
    NotFound,
    PermissionDenied,
    ReferenceError_,
    ResourceVersionTooOld,
    SpecError,
    StoreError,
    Unauthenticated,
)
from argosy.server.encoding import ArgoJSON


class Code(IntEnum):
    """gRPC status codes (google.golang.org/grpc/codes)."""

    OK = 0
    CANCELED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


#: grpc-gateway's HTTPStatusFromCode
HTTP_STATUS: dict[Code, int] = {
    Code.OK: 200, Code.CANCELED: 499, Code.UNKNOWN: 500, Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504, Code.NOT_FOUND: 404, Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403, Code.RESOURCE_EXHAUSTED: 429, Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409, Code.OUT_OF_RANGE: 400, Code.UNIMPLEMENTED: 501, Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503, Code.DATA_LOSS: 500, Code.UNAUTHENTICATED: 401,
}

#: most specific first: the first type an error is an instance of decides its code
_CODES: tuple[tuple[type[Exception], Code], ...] = (
    (NotFound, Code.NOT_FOUND),
    (ReferenceError_, Code.NOT_FOUND),
    (AlreadyExists, Code.ALREADY_EXISTS),
    (Unauthenticated, Code.UNAUTHENTICATED),
    (PermissionDenied, Code.PERMISSION_DENIED),
    (FailedPrecondition, Code.FAILED_PRECONDITION),
    (ResourceVersionTooOld, Code.OUT_OF_RANGE),
    (StoreError, Code.UNAVAILABLE),
    (SpecError, Code.INVALID_ARGUMENT),
    (ExpressionError, Code.INVALID_ARGUMENT),
    (ListOptionsError, Code.INVALID_ARGUMENT),
    (InvalidArgument, Code.INVALID_ARGUMENT),
)


def code_of(err: Exception) -> Code:
    for kind, code in _CODES:
        if isinstance(err, kind):
            return code
    return Code.INVALID_ARGUMENT if isinstance(err, ArgosyError) else Code.INTERNAL


def error_response(code: Code, message: str) -> ArgoJSON:
    return ArgoJSON({"code": int(code), "message": message}, status_code=HTTP_STATUS[code])


def response_for(err: Exception) -> ArgoJSON:
    """The grpc-gateway error body and status for ``err``."""
    return error_response(code_of(err), str(err))
