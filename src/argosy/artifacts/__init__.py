"""Artifact repositories, drivers and archiving (design.md: the ``artifacts`` room)."""

from __future__ import annotations

from argosy.artifacts.archive import ArchiveError, is_tar_gz, tar_gz, untar
from argosy.artifacts.drivers import (
    Driver,
    GitDriver,
    HttpDriver,
    LocalDriver,
    RawDriver,
    S3Driver,
    default_drivers,
    load_input,
    location_type,
)
from argosy.artifacts.repository import ArtifactNotFound, LocalRepository

__all__ = [
    "ArchiveError",
    "ArtifactNotFound",
    "Driver",
    "GitDriver",
    "HttpDriver",
    "LocalDriver",
    "LocalRepository",
    "RawDriver",
    "S3Driver",
    "default_drivers",
    "is_tar_gz",
    "load_input",
    "location_type",
    "tar_gz",
    "untar",
]
