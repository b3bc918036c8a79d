"""Every error Argosy raises on purpose, as one tree.

::

    ArgosyError                      anything Argosy reports to a user
    ├── SpecError                    a manifest is wrong: names file, object, template, field
    │   ├── LintError                several SpecErrors found at once by ``argosy lint``
    │   └── SelectorError            a resource template's success/failure condition cannot be parsed
    ├── ExpressionError              an expression or ``{{...}}`` cannot be parsed or evaluated
    │   ├── ExpressionSyntaxError    ... with the column where parsing stopped
    │   │   └── WhenExpressionError  ... in a ``when`` condition (govaluate syntax)
    │   └── UnresolvedVariableError  a ``{{var}}`` that has no value where one is required
    │       └── UnresolvedExpressionVariableError  ... read by a ``{{=expression}}``
    ├── ReferenceError_              a templateRef / workflowTemplateRef / configMapKeyRef names nothing
    ├── NodeError                    a node cannot run as written; the node errors with this message
    │   ├── ArgumentError            arguments don't satisfy the template's inputs
    │   ├── LoopError                withItems / withParam / withSequence cannot be expanded
    │   ├── OutputError              an output (or an artifact argument's ``from``) cannot be resolved
    │   └── MemoizationError         a ``memoize`` cache cannot be used (its key, maxAge, or the ConfigMap)
    ├── RuntimeFailure               a runtime could not start or run a node (missing command, sandbox)
    │   ├── CommandNotFound          ... because a container's command is not there (the node fails, exit 64)
    │   ├── HttpRequestError         an HTTP template's request could not be made or answered (runtime.http)
    │   ├── DataError                a data template could not be processed (runtime.data)
    │   └── ResourceError            a resource template's action cannot be done (kind, flags, manifest)
    ├── ArchiveError                 an artifact cannot be archived, stored, fetched or unpacked
    │   ├── ArtifactNotFound         a key names nothing in the repository
    │   ├── ArtifactRepositoryError  the workflow's artifact repository cannot be resolved
    │   ├── GitArtifactError         a git command for an artifact failed
    │   ├── HttpArtifactError        an HTTP artifact request failed or got an error status
    │   ├── S3Error                  an S3 request failed (endpoint, access, bucket ...)
    │   └── SecretNotFound           a location names a Secret (or key) the run does not have
    ├── StoreError                   the store cannot be read or written: names the file, says what to do
    │   ├── StoreCorrupt             the file is not a database, or is damaged
    │   ├── StoreLocked              another process holds the database past the lock timeout
    │   ├── StoreFull                the disk (or the database's size limit) is full
    │   ├── StoreUnavailable         the file cannot be opened (missing directory, permissions)
    │   └── StoreSchemaTooNew        written by a newer Argosy than this one
    ├── AlreadyExists                a live object with that namespace and name exists (Argo's message)
    ├── Conflict                     an update made from an older read than the stored object (Kubernetes' 409)
    ├── ListOptionsError             a label/field selector or continue token that cannot be used
    ├── ResourceVersionTooOld        a watch asked for changes older than the feed keeps (list again)
    ├── NotFound                     no object of that kind, namespace and name (Argo's message)
    ├── InvalidArgument              an API request the server cannot act on (bad body, bad option)
    │   └── BadArtifactPath          an artifact download path Argo's artifact server answers 400
    ├── Unauthenticated              no (or an unknown) bearer token in ``--auth-mode client``
    ├── PermissionDenied             a token outside its namespaces or verbs
    ├── FailedPrecondition           the object is not in a state the operation needs
    ├── SyncLimitError               a semaphore or mutex cannot be used (no limit, a bad reference)
    ├── ServerRefused                ``argosy server`` will not start (data dir in use, unsafe address)
    ├── EventBindingError            a WorkflowEventBinding cannot act on an event (selector, parameter, template)
    ├── MetricError                  a custom metric cannot be recorded (name, help, type): a MetricsError condition
    └── ClientError                  the CLI client could not get an answer from ``argosy server``
        ├── ServerUnreachable        nothing answers at the address (names it, says how to start one)
        └── ServerError              the server answered with an error (its code and message)

The two marked with a module are defined there, beside the one runtime or driver that raises
them.

Messages are written for the person who wrote the YAML: what is wrong, where, and
(when we can tell) what they probably meant.
"""

from __future__ import annotations

from dataclasses import dataclass


class ArgosyError(Exception):
    """Base of every error Argosy raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in the user's input a problem is: file, object, template and field path."""

    file: str | None = None
    kind: str | None = None
    name: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.kind or self.name:
            parts.append(" ".join(p for p in (self.kind, self.name) if p))
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)


class SpecError(ArgosyError):
    """A manifest is invalid; ``location`` says where, ``reason`` says what."""

    def __init__(self, reason: str, location: Location | None = None) -> None:
        self.reason = reason
        self.location = location or Location()
        where = str(self.location)
        super().__init__(f"{where}: {reason}" if where else reason)


class LintError(SpecError):
    """Several spec problems at once."""

    def __init__(self, problems: list[SpecError]) -> None:
        self.problems = problems
        ArgosyError.__init__(self, "\n".join(str(p) for p in problems))


class ExpressionError(ArgosyError):
    """An expression could not be parsed or evaluated."""


class ExpressionSyntaxError(ExpressionError):
    """An expression has a syntax error at ``column`` (1-based)."""

    def __init__(self, message: str, expression: str, column: int) -> None:
        self.expression = expression
        self.column = column
        super().__init__(f"{message} (column {column}) in {expression!r}")


class WhenExpressionError(ExpressionSyntaxError):
    """A ``when`` condition govaluate cannot parse; Argo's message, plus the column."""

    def __init__(self, reason: str, expression: str, column: int) -> None:
        self.reason = reason
        self.expression = expression
        self.column = column
        hint = ' (hint: try wrapping the affected expression in quotes ("))' if "Invalid token" in reason else ""
        ExpressionError.__init__(self, f"Invalid 'when' expression '{expression}': {reason}{hint}")


class UnresolvedVariableError(ExpressionError):
    """A ``{{variable}}`` has no value where Argo requires one."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        super().__init__(f"failed to resolve {{{{{variable}}}}}")


class UnresolvedExpressionVariableError(UnresolvedVariableError):
    """A variable an ``{{=expression}}`` reads is missing where Argo requires it."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        ExpressionError.__init__(self, f"failed to evaluate expression: {variable} is missing")


class NodeError(ArgosyError):
    """A node cannot run as its workflow says; the engine reports it on the node, as Argo does."""


class ArgumentError(NodeError):
    """Arguments don't satisfy a template's inputs."""


class LoopError(NodeError):
    """A loop's items (``withItems``, ``withParam``, ``withSequence``) could not be expanded."""


class OutputError(NodeError):
    """An output, or the artifact an argument's ``from`` names, could not be resolved from its scope."""


class MemoizationError(NodeError):
    """A memoized template's cache cannot be used: an invalid key or ``maxAge``, or a ConfigMap of
    that name that is not labelled as a cache (Argo refuses to use it)."""


class ReferenceError_(ArgosyError):
    """A reference (templateRef, workflowTemplateRef, configMapKeyRef, ...) names nothing."""


class SelectorError(SpecError):
    """A ``successCondition``/``failureCondition`` is not a valid Kubernetes label selector."""


class RuntimeFailure(ArgosyError):
    """A runtime could not start or run a node."""


class ResourceError(RuntimeFailure):
    """A resource template's action cannot be done here: a kind that needs the Kubernetes runtime,
    a kubectl-only flag, a manifest without a kind or name, an object that is not there."""


class CommandNotFound(RuntimeFailure):
    """A container's command is not there: Argo's executor exits 64 and the node fails."""


class StoreError(ArgosyError):
    """The store cannot be read or written; ``location`` is the file (or database URL)."""

    def __init__(self, location: str, problem: str, advice: str) -> None:
        self.location = location
        self.problem = problem
        self.advice = advice
        super().__init__(f"{location}: {problem}; {advice}")


class StoreCorrupt(StoreError):
    """The database file is not a database, or is damaged."""


class StoreLocked(StoreError):
    """Another process held the database locked for longer than the lock timeout."""


class StoreFull(StoreError):
    """The disk holding the database (or the database's size limit) is full."""


class StoreUnavailable(StoreError):
    """The database cannot be opened: a missing directory, permissions, an I/O error."""


class StoreSchemaTooNew(StoreError):
    """The database was written by a newer Argosy whose schema this one does not know."""


class AlreadyExists(ArgosyError):
    """A live object with this namespace and name exists (Argo: ``... "NAME" already exists``)."""

    def __init__(self, name: str, resource: str = "workflows.argoproj.io") -> None:
        self.name = name
        self.resource = resource
        super().__init__(f'{resource} "{name}" already exists')


class Conflict(ArgosyError):
    """An update read an older version of the object than the one stored now (Kubernetes' 409)."""

    def __init__(self, name: str, resource: str = "workflows.argoproj.io") -> None:
        self.name = name
        super().__init__(f'Operation cannot be fulfilled on {resource} "{name}": the object has been '
                         "modified; please apply your changes to the latest version and try again")


class ListOptionsError(ArgosyError):
    """A list's label selector, field selector or continue token cannot be used."""


class ResourceVersionTooOld(ArgosyError):
    """Changes since this resource version are no longer kept; list again, then watch."""

    def __init__(self, since: int, oldest: int) -> None:
        self.since = since
        self.oldest = oldest
        super().__init__(f"too old resource version: {since} ({oldest})")


class NotFound(ArgosyError):
    """No object of this kind, namespace and name (Argo: ``... "NAME" not found``)."""

    def __init__(self, name: str, resource: str = "workflows.argoproj.io") -> None:
        self.name = name
        self.resource = resource
        super().__init__(f'{resource} "{name}" not found')


class InvalidArgument(ArgosyError):
    """A request the server cannot act on: a malformed body, an unknown option."""


class Unauthenticated(ArgosyError):
    """No bearer token, or one the server does not know."""


class PermissionDenied(ArgosyError):
    """A token used outside the namespaces or verbs it was given."""


class FailedPrecondition(ArgosyError):
    """The object is not in a state the operation needs (e.g. retry of a running workflow)."""


class SyncLimitError(ArgosyError):
    """A lock cannot be taken: its limit's ConfigMap or key is missing, or the reference is bad
    (the workflow or node fails with Argo's "Failed to acquire the synchronization lock")."""


class ServerRefused(ArgosyError):
    """``argosy server`` will not start: its data dir is in use, or its address is unsafe."""


class EventBindingError(ArgosyError):
    """A WorkflowEventBinding cannot act on an event: its selector or a parameter's expression
    fails, or the workflow it submits cannot be made (the event itself is still accepted)."""


class MetricError(ArgosyError):
    """A custom metric cannot be recorded (an invalid name, another help or type for a name in
    use); the workflow gets Argo's ``MetricsError`` condition, its phase is unchanged."""


class ClientError(ArgosyError):
    """The CLI client could not get what it asked ``argosy server`` for."""


class ServerUnreachable(ClientError):
    """Nothing answers at the server's address."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        super().__init__(f"cannot reach the Argo server at {address} ({reason}); start one with "
                         f"`argosy server`, or point ARGO_SERVER / --argo-server at a running one")


class ServerError(ClientError):
    """The server answered with an HTTP error; ``message`` is the server's own."""

    def __init__(self, status: int, message: str, code: int | None = None) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(message)


class ArchiveError(ArgosyError):
    """An artifact could not be archived, stored, fetched or unpacked."""


class ArtifactNotFound(ArchiveError):
    """A key names nothing in the repository."""


class GitArtifactError(ArchiveError):
    """A git command for an artifact failed."""


class HttpArtifactError(ArchiveError):
    """An HTTP artifact request failed or was answered with an error status."""


class ArtifactRepositoryError(ArchiveError):
    """The workflow's artifact repository cannot be resolved (no ConfigMap, no key, bad YAML)."""


class S3Error(ArchiveError):
    """An S3 request failed (endpoint unreachable, access denied, no such bucket ...)."""


class SecretNotFound(ArchiveError):
    """A location names a Secret, or a key of one, that the run does not have."""


class BadArtifactPath(InvalidArgument):
    """An artifact download path Argo's artifact server would answer 400."""
