"""Info service: ``/api/v1/version``, ``/api/v1/info``, ``/api/v1/userinfo``."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import argosy
from argosy import __version__
from argosy.server.encoding import rfc3339
from argosy.server.routing import Call, Verb, api_route


def version_info() -> dict[str, str]:
    """Argo's ``Version``: all eight string fields, each set (clients read them all)."""
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "version": f"v{__version__}",
        "buildDate": _build_date(),
        "gitCommit": "unknown",
        "gitTag": f"v{__version__}",
        "gitTreeState": "clean",
        "goVersion": f"python{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}",
        "compiler": sys.implementation.name,
        "platform": f"{sys.platform}/{machine}",
    }


def _build_date() -> str:
    """When the installed package was built (its files' time), as Argo reports its build."""
    return rfc3339(Path(argosy.__file__).stat().st_mtime)


async def get_version(call: Call) -> dict[str, str]:
    return version_info()


async def get_info(call: Call) -> dict[str, Any]:
    info: dict[str, Any] = {"links": [], "columns": [], "modals": {}}
    managed = call.services.config.managed_namespace
    if managed:
        info["managedNamespace"] = managed
    return info


async def get_user_info(call: Call) -> dict[str, Any]:
    return call.services.authorizer.user_info(call.request)


routes = [
    api_route("GET", "/api/v1/version", get_version, verb=Verb.GET),
    api_route("GET", "/api/v1/info", get_info, verb=Verb.GET),
    api_route("GET", "/api/v1/userinfo", get_user_info, verb=Verb.GET),
]
