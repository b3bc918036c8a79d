"""A live workflow's ``metadata.labels`` and ``metadata.annotations`` changed (a patch of the Workflow).

The manifest is written once, at creation; this is the one later change to it, and only to
those two maps (Kubernetes lets anyone with ``patch`` change them; Argo's controller then
reacts). The op reads the stored manifest inside the writer's transaction and writes it back
with the new maps, so a change made meanwhile by another process (PostgreSQL: batches are
serialised by the version row's lock) is never lost. Like a progress write it takes the
next resource version and adds a MODIFIED change, so watchers and waiters hear of it; the
label index is rewritten with it, so label selectors find the workflow by its new labels.

The labels the store derives from the phase (``workflows.argoproj.io/phase``,
``.../completed``) are the store's: given ones of those names are dropped, never stored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from argosy.store.api import COMPLETED_LABEL, PHASE_LABEL, WorkflowRecord

if TYPE_CHECKING:
    from argosy.store.sqlite_batch import Batch

#: the label keys the store derives from the phase (see ``api.derived_labels``)
DERIVED_KEYS = frozenset({PHASE_LABEL, COMPLETED_LABEL})


class UpdateMetadata(NamedTuple):
    uid: str
    #: the whole new map (None: keep the stored one)
    labels: dict[str, str] | None
    annotations: dict[str, str] | None


def update_metadata(batch: Batch, op: UpdateMetadata) -> bool:
    """Apply ``op`` in the writer's transaction; False when there is no live workflow ``op.uid``."""
    row = batch.conn.execute("SELECT manifest FROM workflows WHERE uid = ?", (op.uid,)).fetchone()
    if row is None:
        return False
    manifest = json.loads(row[0])
    meta = manifest.setdefault("metadata", {})
    for key, value in (("labels", op.labels), ("annotations", op.annotations)):
        if value is None:
            continue
        if value:
            meta[key] = value
        else:
            meta.pop(key, None)  # as Kubernetes shows an emptied map: not at all
    found = batch.conn.execute(
        "UPDATE workflows SET manifest = ?, resource_version = ? WHERE uid = ? RETURNING namespace, name",
        (json.dumps(manifest, separators=(",", ":")), batch.rv + 1, op.uid)).fetchone()
    batch._bump("MODIFIED", op.uid, found[0], found[1])
    if op.labels is not None:
        batch.conn.execute("DELETE FROM labels WHERE uid = ?", (op.uid,))
        if op.labels:
            batch.conn.executemany("INSERT INTO labels (uid, key, value) VALUES (?,?,?)",
                                   [(op.uid, k, v) for k, v in op.labels.items()])
    return True


def _text_map(values: Mapping[str, Any] | None, drop: frozenset[str] = frozenset()) -> dict[str, str] | None:
    """A label or annotation map as Kubernetes keeps it: text keys and values."""
    if values is None:
        return None
    return {str(k): str(v) for k, v in values.items() if str(k) not in drop and v is not None}


class MetadataWrites:
    """``SqliteStore``'s ``update_workflow_metadata`` (see ``argosy.store.api.Store``)."""

    _writer: Any

    def get_workflow(self, uid: str, *, with_nodes: bool = True) -> WorkflowRecord | None:  # SqliteStore's
        raise NotImplementedError

    def update_workflow_metadata(self, uid: str, labels: Mapping[str, Any] | None = None,
                                 annotations: Mapping[str, Any] | None = None) -> WorkflowRecord | None:
        op = UpdateMetadata(uid, _text_map(labels, DERIVED_KEYS), _text_map(annotations))
        if not self._writer.submit(op, wait=True):
            return None
        return self.get_workflow(uid, with_nodes=False)
