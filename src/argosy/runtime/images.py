"""What an ``image`` means to the process runtime: its default entrypoint/command on the host.

The process runtime runs commands on the host; ``image`` only decides what runs when a
container gives no ``command`` (Docker's rule: ``ENTRYPOINT`` + (``args`` or ``CMD``)).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from argosy.errors import RuntimeFailure

#: Debian's cowsay lives here; argosay:v1 and docker/whalesay put it on PATH
GAMES = "/usr/games"
#: the runtime's own commands: ``argosay``, and ``python`` for hosts that only have python3
BIN_DIR = Path(__file__).parent / "bin"


@dataclass(frozen=True, slots=True)
class ImageDefaults:
    """An image's ENTRYPOINT and CMD."""

    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()


#: by repository name (registry and ``library/`` stripped); tags handled in :func:`defaults_for`
KNOWN: dict[str, ImageDefaults] = {
    "argoproj/argosay": ImageDefaults(entrypoint=("argosay",)),
    "docker/whalesay": ImageDefaults(cmd=("cowsay",)),
    "busybox": ImageDefaults(cmd=("sh",)),
    "alpine": ImageDefaults(cmd=("sh",)),
    "debian": ImageDefaults(cmd=("bash",)),
    "ubuntu": ImageDefaults(cmd=("bash",)),
    "python": ImageDefaults(cmd=("python3",)),
    "node": ImageDefaults(cmd=("node",)),
}
ARGOSAY_V1 = ImageDefaults(cmd=("cowsay",))
#: absolute paths of commands inside images, as the host runs them: argosay's image keeps its
#: entrypoint at ``/argosay`` (``command: [/argosay]``; it has no shell to call it otherwise)
IMAGE_COMMANDS: dict[str, str] = {"/argosay": "argosay"}


def repository_and_tag(image: str) -> tuple[str, str]:
    """``quay.io/argoproj/argosay:v2`` -> ``("argoproj/argosay", "v2")``."""
    name, _, _digest = image.partition("@")
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        name = rest
    repo, _, tag = name.rpartition(":") if ":" in name.rsplit("/", 1)[-1] else (name, "", "latest")
    repo = repo.removeprefix("library/")
    return repo, tag or "latest"


def defaults_for(image: str) -> ImageDefaults:
    """The ENTRYPOINT/CMD the process runtime assumes for ``image`` (empty when unknown)."""
    repo, tag = repository_and_tag(image.strip())
    if repo == "argoproj/argosay" and tag == "v1":
        return ARGOSAY_V1
    return KNOWN.get(repo, ImageDefaults())


def argv_for(container: dict, default_name: str = "main") -> list[str]:
    """The argv a container runs: ``command + args``, or the image's defaults (Docker's rule)."""
    command = [str(c) for c in container.get("command") or ()]
    args = [str(a) for a in container.get("args") or ()]
    if command:
        return [IMAGE_COMMANDS.get(command[0], command[0]), *command[1:], *args]
    d = defaults_for(str(container.get("image") or ""))
    argv = list(d.entrypoint) + (args or list(d.cmd))
    if not argv:
        raise RuntimeFailure(
            f'container "{container.get("name") or default_name}" has no command, and image '
            f'"{container.get("image", "")}" has no default command the process runtime knows; '
            "set command"
        )
    return argv


class CommandPath:
    """Resolves commands the way the sandbox's PATH will, caching what it found."""

    def __init__(self, host_path: str | None = None) -> None:
        dirs = [d for d in (host_path or os.environ.get("PATH", "")).split(":") if d]
        if GAMES not in dirs:
            dirs.append(GAMES)
        # last, so a host's own `python` wins over the python3 wrapper
        dirs.append(str(BIN_DIR))
        self.dirs = dirs
        #: the PATH inside the sandbox
        self.sandbox_path = ":".join(dirs)
        self._found: dict[str, str] = {}

    def exists(self, command: str) -> bool:
        """True when ``command`` (a bare name) resolves on the sandbox PATH."""
        if command in self._found:
            return True
        for d in self.dirs:
            p = os.path.join(d, command)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                self._found[command] = p
                return True
        return False
