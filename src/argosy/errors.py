"""Every error Argosy raises on purpose, as one tree.

::

    ArgosyError                      anything Argosy reports to a user
    ├── SpecError                    a manifest is wrong: names file, object, template, field
    │   └── LintError                several SpecErrors found at once by ``argosy lint``
    ├── ExpressionError              an expression or ``{{...}}`` cannot be parsed or evaluated
    │   ├── ExpressionSyntaxError    ... with the column where parsing stopped
    │   │   └── WhenExpressionError  ... in a ``when`` condition (govaluate syntax)
    │   └── UnresolvedVariableError  a ``{{var}}`` that has no value where one is required
    │       └── UnresolvedExpressionVariableError  ... read by a ``{{=expression}}``
    ├── ReferenceError_              a templateRef / workflowTemplateRef / configMapKeyRef names nothing
    ├── NodeError                    a node cannot run as written; the node errors with this message
    │   ├── ArgumentError            arguments don't satisfy the template's inputs
    │   ├── LoopError                withItems / withParam / withSequence cannot be expanded
    │   └── OutputError              an output (or an artifact argument's ``from``) cannot be resolved
    ├── RuntimeFailure               a runtime could not start or run a node (missing command, sandbox)
    │   ├── CommandNotFound          ... because a container's command is not there (the node fails, exit 64)
    │   ├── HttpRequestError         an HTTP template's request could not be made or answered (runtime.http)
    │   └── DataError                a data template could not be processed (runtime.data)
    ├── ArchiveError                 an artifact archive cannot be written or unpacked (artifacts.archive)
    │   └── ArtifactNotFound         a key names nothing in the repository (artifacts.repository)
    ├── StoreError                   the store cannot be read or written: names the file, says what to do
    │   ├── StoreCorrupt             the file is not a database, or is damaged
    │   ├── StoreLocked              another process holds the database past the lock timeout
    │   ├── StoreFull                the disk (or the database's size limit) is full
    │   ├── StoreUnavailable         the file cannot be opened (missing directory, permissions)
    │   └── StoreSchemaTooNew        written by a newer Argosy than this one
    ├── AlreadyExists                a live object with that namespace and name exists (Argo's message)
    ├── ListOptionsError             a label/field selector or continue token that cannot be used
    └── ResourceVersionTooOld        a watch asked for changes older than the feed keeps (list again)

``StoreError`` and the three after it are the store's block at the end of this module. The
four marked with a module are defined there, beside the one runtime or driver that raises
them (their rooms are being reshaped by their owners; they move here after that).

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


class ReferenceError_(ArgosyError):
    """A reference (templateRef, workflowTemplateRef, configMapKeyRef, ...) names nothing."""


class RuntimeFailure(ArgosyError):
    """A runtime could not start or run a node."""


class CommandNotFound(RuntimeFailure):
    """A container's command is not there: Argo's executor exits 64 and the node fails."""
