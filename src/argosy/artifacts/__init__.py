"""Artifact repositories, drivers, archiving and GC (design.md: the ``artifacts`` room).

The room owns locations: which repository a workflow uses (:mod:`.refs`), where each pod's
artifacts go (:mod:`.locations`), how bytes move per location type (:mod:`.drivers`:
local, raw, http, artifactory, git, s3), how they are archived (:mod:`.archive`) and
collected (:mod:`.gc`), and how a recorded artifact is streamed back (:mod:`.serve`).

Wiring, for whoever runs workflows: resolve the repository once at submission
(:func:`resolve_workflow_ref` writes ``status.artifactRepositoryRef``), register
``WorkflowRepository.of(workflow, engine.global_scope)`` in
``RunContext.artifact_repositories[uid]`` when a workflow starts or is restored, call
:func:`collect_garbage` for each of :func:`strategies_due`, and serve downloads with
:func:`open_artifact`.
"""

from __future__ import annotations

from argosy.artifacts.archive import ArchiveError, is_tar_gz, tar_gz, untar
from argosy.artifacts.drivers import (
    Driver,
    LocalDriver,
    RawDriver,
    default_drivers,
    has_location,
    location_type,
)
from argosy.artifacts.gc import (
    CollectionReport,
    GarbageArtifact,
    artifact_strategy,
    artifacts_to_collect,
    collect_garbage,
    has_artifact_gc,
    strategies_due,
)
from argosy.artifacts.git import GitDriver
from argosy.artifacts.http import HttpDriver
from argosy.artifacts.locations import (
    PodArtifacts,
    WorkflowRepository,
    load_input,
    repository_location,
    status_location,
)
from argosy.artifacts.refs import ArtifactRepositoryError, ConfigMapData, resolve_ref, resolve_workflow_ref
from argosy.artifacts.repository import ArtifactNotFound, LocalRepository
from argosy.artifacts.s3 import S3Driver
from argosy.artifacts.secrets import SecretNotFound, Secrets
from argosy.artifacts.serve import find_artifact, open_artifact

__all__ = [
    "ArchiveError",
    "ArtifactNotFound",
    "ArtifactRepositoryError",
    "CollectionReport",
    "ConfigMapData",
    "Driver",
    "GarbageArtifact",
    "GitDriver",
    "HttpDriver",
    "LocalDriver",
    "LocalRepository",
    "PodArtifacts",
    "RawDriver",
    "S3Driver",
    "SecretNotFound",
    "Secrets",
    "WorkflowRepository",
    "artifact_strategy",
    "artifacts_to_collect",
    "collect_garbage",
    "default_drivers",
    "find_artifact",
    "has_artifact_gc",
    "has_location",
    "is_tar_gz",
    "load_input",
    "location_type",
    "open_artifact",
    "repository_location",
    "resolve_ref",
    "resolve_workflow_ref",
    "status_location",
    "strategies_due",
    "tar_gz",
    "untar",
]
