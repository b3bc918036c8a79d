"""Where a pod's artifacts go and come from: Argo's archive location, relocation and key rules.

A workflow has one resolved repository (``status.artifactRepositoryRef``, see
:mod:`argosy.artifacts.refs`). For each pod, as Argo's controller does, the *archive
location* is the template's own ``archiveLocation`` when it has a full location, else the
repository's location with its ``keyFormat`` (default ``{{workflow.name}}/{{pod.name}}``)
resolved against the workflow's variables, ``pod.name`` and ``inputs.parameters``; with no
repository it is Argosy's local repository under the same default key.

Then, as Argo's executor does: an artifact with a full location of its own uses it; a
key-only artifact (``s3: {key: k}``) takes the archive location's bucket, endpoint and
credentials with its own key; an output without any location is stored at
``ARCHIVE_KEY/NAME.tgz`` (``NAME.zip``, or the path's base name with ``archive: none``).
Status records outputs by key only (``s3: {key: ...}``), as Argo does since key-only
artifacts, unless the template spelled a full location out.
"""

from __future__ import annotations

import posixpath
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argosy.artifacts.archive import ArchiveError, archive_name, compression_level, stage, strategy
from argosy.artifacts.drivers import (
    Driver,
    apply_mode,
    default_drivers,
    driver_for,
    has_location,
    location_key,
    location_type,
)
from argosy.artifacts.refs import repository_of
from argosy.artifacts.repository import ArtifactNotFound, LocalRepository
from argosy.artifacts.secrets import Secrets

#: location types without a key: never relocated into a repository
UNKEYED = ("http", "artifactory", "git", "raw")
#: Argo's DefaultArchivePattern
DEFAULT_KEY_FORMAT = "{{workflow.name}}/{{pod.name}}"
#: per repository type: the field holding the key format and the location field it fills
KEY_FIELDS = {"s3": ("keyFormat", "key"), "oss": ("keyFormat", "key"), "gcs": ("keyFormat", "key"),
              "plugin": ("keyFormat", "key"), "azure": ("blobNameFormat", "blob"),
              "hdfs": ("pathFormat", "path"), "artifactory": ("keyFormat", "url")}


def repository_location(repository: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Argo's ``ArtifactRepository.ToArtifactLocation``: the location with an unresolved key format."""
    if not repository:
        return None
    for kind, (fmt_field, key_field) in KEY_FIELDS.items():
        conf = repository.get(kind)
        if not isinstance(conf, Mapping):
            continue
        loc = {k: v for k, v in conf.items() if k not in (fmt_field, "keyPrefix", "repoURL")}
        fmt = str(conf.get(fmt_field) or "")
        if not fmt:
            prefix = str(conf.get("keyPrefix") or "") if kind == "s3" else ""
            fmt = posixpath.join(prefix, DEFAULT_KEY_FORMAT) if prefix else DEFAULT_KEY_FORMAT
        if kind == "artifactory":
            fmt = str(conf.get("repoURL") or "").rstrip("/") + "/" + fmt
        loc[key_field] = fmt
        return {kind: loc}
    return None


@dataclass
class WorkflowRepository:
    """One workflow's resolved repository and the ``workflow.*`` variables its key format may use.

    ``variables`` may be the engine's live global scope: it is read when a pod starts.
    """

    ref: Mapping[str, Any] | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    #: the workflow's ``spec.archiveLogs``
    archive_logs: bool | None = None

    @classmethod
    def of(cls, workflow: Mapping[str, Any], variables: Mapping[str, Any]) -> WorkflowRepository:
        """The repository ``status.artifactRepositoryRef`` of ``workflow`` names (see refs.resolve_workflow_ref)."""
        spec = workflow.get("spec") or {}
        ref = (workflow.get("status") or {}).get("artifactRepositoryRef")
        logs = spec.get("archiveLogs")
        return cls(ref, variables, None if logs is None else bool(logs))

    def archives_logs(self, template: Mapping[str, Any]) -> bool:
        """Argo's IsArchiveLogs: the repository's ``archiveLogs: true`` wins, then the template's, then the workflow's."""
        if (repository_of(self.ref) or {}).get("archiveLogs"):
            return True
        own = (template.get("archiveLocation") or {}).get("archiveLogs")
        if own is not None:
            return bool(own)
        return bool(self.archive_logs)

    def archive_location(self, template: Mapping[str, Any], pod_name: str, local_prefix: str) -> dict[str, Any]:
        """The archive location of a pod of ``template`` (a full location dict, one type key)."""
        own = template.get("archiveLocation") or {}
        kind = location_type(own)
        if kind is not None and has_location(kind, own[kind]):
            return {kind: dict(own[kind])}
        loc = repository_location(repository_of(self.ref))
        if loc is None:
            return {"local": {"key": local_prefix}}
        from argosy.expr import substitute

        scope: dict[str, Any] = dict(self.variables)
        scope["pod.name"] = pod_name
        for p in (template.get("inputs") or {}).get("parameters") or ():
            if p.get("value") is not None:
                scope[f"inputs.parameters.{p['name']}"] = str(p["value"])
        (kind, conf), = loc.items()
        key_field = KEY_FIELDS[kind][1]
        conf[key_field] = substitute(str(conf[key_field]), scope, allow_unresolved=False)
        return loc


class PodArtifacts:
    """Loads a pod's input artifacts and saves its outputs, through the drivers, per Argo's rules."""

    def __init__(self, archive_location: Mapping[str, Any], drivers: Mapping[str, Driver],
                 local: LocalRepository | None = None) -> None:
        self.archive = dict(archive_location)
        self.drivers = drivers
        self.local = local

    @classmethod
    def for_pod(cls, repo: LocalRepository, secrets: Mapping[str, Mapping[str, str]],
                workflow: WorkflowRepository | None, template: Mapping[str, Any], pod_name: str,
                local_prefix: str) -> PodArtifacts:
        """The artifacts of one pod of a workflow (``workflow`` None: the local repository)."""
        archive = (workflow or WorkflowRepository()).archive_location(template, pod_name, local_prefix)
        return cls(archive, default_drivers(repo, Secrets(secrets)), repo)

    def relocate(self, kind: str, location: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """Argo's ``Relocate``: a key-only location takes the archive location's other fields."""
        if has_location(kind, location):
            return kind, dict(location)
        if kind in UNKEYED:
            return kind, dict(location)
        key = location_key(kind, location) or ""
        (akind, aloc), = self.archive.items()
        return akind, {**aloc, KEY_FIELDS.get(akind, ("", "key"))[1]: key}

    # ---- inputs --------------------------------------------------------------------------

    def load(self, artifact: Mapping[str, Any], dest: Path) -> bool:
        """Fetch one input artifact to ``dest``; False when it is optional and absent.

        Applies ``subPath``, ``archive`` and ``mode``. Raises :class:`ArchiveError` with Argo's messages.
        """
        name = artifact.get("name", "?")
        kind = location_type(artifact)
        if kind is None:
            if artifact.get("optional"):
                return False
            raise ArchiveError(f"required artifact '{name}' not supplied")
        kind, loc = self.relocate(kind, artifact[kind])
        driver = driver_for(kind, self.drivers, name)
        try:
            driver.load(loc, dest, artifact.get("subPath") or None, artifact.get("archive"))
        except ArchiveError as e:
            if artifact.get("optional") and isinstance(e, ArtifactNotFound):
                return False
            raise ArchiveError(f"failed to load artifact '{name}': {e}") from e
        if artifact.get("mode") is not None:
            apply_mode(dest, int(artifact["mode"]), bool(artifact.get("recurseMode")))
        return True

    def list_paths(self, artifact: Mapping[str, Any]) -> list[str] | None:
        """The keys a data template's ``artifactPaths`` lists; None when it is the local repository's job."""
        kind = location_type(artifact)
        if kind is None:
            (kind, loc), = self.archive.items()
            loc = {**loc, KEY_FIELDS.get(kind, ("", "key"))[1]: ""}
        else:
            kind, loc = self.relocate(kind, artifact[kind])
        if kind == "local":
            return None
        driver = driver_for(kind, self.drivers, str(artifact.get("name", "?")))
        lister = getattr(driver, "list_directory", None)
        if lister is None:
            raise ArchiveError(f"listing {kind} artifacts is not supported")
        keys: list[str] = lister(loc)
        return keys

    # ---- outputs -------------------------------------------------------------------------

    def output_location(self, artifact: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """(type, where the driver writes, what status records) for an output artifact."""
        kind = location_type(artifact)
        if kind is not None:
            own = artifact[kind]
            if has_location(kind, own):
                return kind, dict(own), {kind: dict(own)}
            key = location_key(kind, own)
            if key is not None:
                dkind, loc = self.relocate(kind, own)
                return dkind, loc, {dkind: {"key": key}}
        (akind, aloc), = self.archive.items()
        key_field = KEY_FIELDS.get(akind, ("", "key"))[1]
        key = posixpath.join(str(aloc.get(key_field) or ""), archive_name(dict(artifact)))
        return akind, {**aloc, key_field: key}, {akind: {key_field: key}}

    def save_log(self, container: str, data: bytes) -> dict[str, Any]:
        """Store a container's log as Argo's ``CONTAINER-logs`` artifact (``ARCHIVE_KEY/CONTAINER.log``)."""
        art = {"name": f"{container}-logs", "path": f"/{container}.log", "archive": {"none": {}}}
        with tempfile.TemporaryDirectory(prefix="argosy-log-") as work:
            src = Path(work) / f"{container}.log"
            src.write_bytes(data)
            status = self.save(art, src, move=True)
        return {k: v for k, v in status.items() if k not in ("path", "archive")}

    def save(self, artifact: Mapping[str, Any], src: Path, move: bool = False) -> dict[str, Any]:
        """Archive and store one output artifact found at ``src``; its entry for node status.

        ``move`` lets a file that dies with the node be renamed into the local repository.
        """
        kind, loc, status_loc = self.output_location(artifact)
        archive = artifact.get("archive")
        how = strategy(archive)
        if kind == "local" and self.local is not None and how != "zip":
            self.local.save(str(loc["key"]), src, archive=how, move=move and how == "none",
                            compresslevel=compression_level(archive))
        else:
            driver = driver_for(kind, self.drivers, str(artifact.get("name", "?")))
            with tempfile.TemporaryDirectory(prefix="argosy-out-") as work:
                driver.save(stage(Path(src), Path(work), dict(artifact)), loc)
        status = {k: v for k, v in artifact.items()
                  if k not in ("from", "fromExpression") and location_type({k: v}) is None}
        status.update(status_loc)
        return status


def status_location(workflow: Mapping[str, Any], node: Mapping[str, Any], artifact: Mapping[str, Any]
                    ) -> tuple[str, dict[str, Any]] | None:
    """Where an artifact recorded in a finished workflow's status lives: (type, full location).

    Key-only locations are relocated as Argo's GC and artifact server do: into the node's
    template's ``archiveLocation`` when that is a full location, else the workflow's resolved
    repository (``status.artifactRepositoryRef``), else the local repository.
    """
    kind = location_type(artifact)
    if kind is None:
        return None
    status = workflow.get("status") or {}
    template = _template_of(workflow, str(node.get("templateName") or ""))
    own = template.get("archiveLocation") or {}
    own_kind = location_type(own)
    if own_kind is not None and has_location(own_kind, own[own_kind]):
        archive: dict[str, Any] = {own_kind: dict(own[own_kind])}
    else:
        archive = repository_location(repository_of(status.get("artifactRepositoryRef"))) or {"local": {"key": ""}}
    return PodArtifacts(archive, {}).relocate(kind, artifact[kind])


def _template_of(workflow: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for tpl in (workflow.get("spec") or {}).get("templates") or ():
        if tpl.get("name") == name:
            return dict(tpl)
    for tpl in ((workflow.get("status") or {}).get("storedTemplates") or {}).values():
        if tpl.get("name") == name:
            return dict(tpl)
    return {}


def load_input(artifact: Mapping[str, Any], dest: Path, drivers: Mapping[str, Driver]) -> bool:
    """Fetch one input artifact with ``drivers``, key-only locations going to the local repository."""
    return PodArtifacts({"local": {"key": ""}}, drivers).load(artifact, dest)
