"""``argosy server``'s process: one event loop running the Controller and the API.

Start-up order matters: the data dir is locked (one server per SQLite store), the store
opened, orphaned workflows recovered by the Controller, and only then does the API accept
calls. On SIGINT/SIGTERM uvicorn stops accepting, the store is flushed and closed; workflows
still running are left to the next start's recovery, as Argo's controller restarts leave
its pods running.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import uvicorn

from argosy.errors import ServerRefused
from argosy.server.config import ServerConfig

#: how long a stopping server lets open streams (watch, log follow) run before it closes them
STREAMS_GRACE_SECONDS = 3

#: the lock file beside a SQLite store that a running server holds
LOCK_SUFFIX = ".server.lock"


@contextlib.contextmanager
def exclusive(store_file: Path) -> Iterator[None]:
    """Hold the store's server lock; ServerRefused (naming the holder) when another server has it."""
    store_file.parent.mkdir(parents=True, exist_ok=True)
    path = store_file.with_name(store_file.name + LOCK_SUFFIX)
    handle: IO[str] = open(path, "a+")  # noqa: SIM115 - held for the server's life
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise ServerRefused(
                f"another argosy server (pid {holder}) is already using the store {store_file}; "
                "stop it, or start this one with another --data-dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def store_location(config: ServerConfig) -> str | Path:
    if config.database:
        return config.database
    from argosy.controller.controller import STORE_FILE

    return (config.data_dir or Path.home() / ".argosy") / STORE_FILE


def build_runtime(name: str) -> Any:
    """The runtime every node of this server runs on: ``process`` or ``docker``."""
    if name in ("process", "docker"):
        from argosy.controller import default_runtime

        return default_runtime(name)
    raise ServerRefused(f"--runtime {name!r} is not available; use --runtime process or --runtime docker")


def serve(config: ServerConfig) -> None:
    """Run the server until interrupted (blocking)."""
    from argosy.controller import loop
    from argosy.server.app import authorizer_for
    from argosy.store.sqlite import sqlite_path

    config.check()
    authorizer = authorizer_for(config)  # a bad tokens file stops start-up here
    location = store_location(config)
    if is_shared_database(location):
        # several servers may share one PostgreSQL database: the store's owner leases decide
        # who runs which workflow
        loop.run(_serve(config, location, authorizer))
        return
    with exclusive(sqlite_path(location).resolve()):
        loop.run(_serve(config, location, authorizer))


def is_shared_database(location: str | Path) -> bool:
    """Whether ``location`` is a database server's URL (PostgreSQL), not a SQLite file."""
    return str(location).startswith(("postgresql://", "postgres://"))


class ApiServer(uvicorn.Server):
    """uvicorn's server, stopped by SIGINT/SIGTERM through the loop: uvicorn's own handling
    re-raises the signal once it has stopped, which would end the process before the store is
    flushed and closed."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.handle_exit, signum, None)
        try:
            yield
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


def start_cache_gc(controller: Any, store: Any) -> asyncio.Task[None] | None:
    """Argo's memoization cache GC, when ``CACHE_GC_PERIOD`` is set (``controller.memoize``)."""
    from argosy.controller.memoize import cache_gc_settings, run_cache_gc
    from argosy.errors import MemoizationError, ServerRefused

    try:
        settings = cache_gc_settings(os.environ)
    except MemoizationError as err:
        raise ServerRefused(f"memoization cache GC: {err}") from None
    if settings is None:
        return None
    return asyncio.get_running_loop().create_task(run_cache_gc(store, controller.memo, *settings))


async def _serve(config: ServerConfig, location: str | Path, authorizer: Any) -> None:
    from argosy.controller import Controller
    from argosy.controller.cron import CronScheduler
    from argosy.controller.metrics import REGISTRY
    from argosy.controller.objects import StoreObjects, StoreObjectSet
    from argosy.server.app import create_app
    from argosy.store import open_store

    store = open_store(location)
    data_dir = config.data_dir or (Path.home() / ".argosy" if is_shared_database(location)
                                   else Path(str(location)).parent)
    try:
        controller = Controller(data_dir=data_dir, store=store, runtime=build_runtime(config.runtime),
                                objects_for=lambda namespace: StoreObjectSet(store, namespace),
                                object_source=StoreObjects(store), parallelism=config.parallelism,
                                namespace_parallelism=config.namespace_parallelism, keep_finished=False)
        controller.gc.config = config.retention()
        # before recovery, so the workflows it continues are followed too
        REGISTRY.metrics_ttl = config.metrics_ttl
        REGISTRY.attach(controller)
        for recovered in await controller.recover():
            print(f"argosy server: {recovered}", file=sys.stderr, flush=True)
        await controller.gc.start()  # TTL and archive retention; due times come from the store
        cache_gc = start_cache_gc(controller, store)
        cron = CronScheduler(controller)
        await cron.start()
        app = create_app(controller, store, config, authorizer)
        server = ApiServer(uvicorn.Config(app, host=config.address, port=config.port,
                                          log_level="warning", lifespan="off", access_log=False,
                                          # open watch/log streams never end by themselves
                                          timeout_graceful_shutdown=STREAMS_GRACE_SECONDS))
        started = asyncio.get_running_loop().create_task(server.serve())
        while not server.started and not started.done():
            await asyncio.sleep(0.02)
        if server.started:
            scheme_host = f"http://{config.address}:{config.port}"
            print(f"argosy server: listening on {scheme_host} (auth-mode {config.auth_mode}, "
                  f"store {store.location}, data dir {data_dir})", file=sys.stderr, flush=True)
        await started
        if cache_gc is not None:
            cache_gc.cancel()
        await cron.stop()
        await controller.close()
    finally:
        store.close()
