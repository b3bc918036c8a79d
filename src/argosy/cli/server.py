"""``argosy server``: Argo Server's REST API and the Controller, in one process."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """\
Start Argo Server's REST API (Argo's paths, bodies and errors) with the controller that runs
the workflows it accepts, in one process. Plain HTTP on 127.0.0.1:2746 by default, state in
a SQLite store in the data dir ($ARGOSY_HOME or ~/.argosy). Unfinished workflows of an
earlier server are recovered first.

  argosy server
  curl -s localhost:2746/api/v1/workflows/default -H 'Content-Type: application/json' \\
       -d '{"workflow": {"metadata": {"generateName": "hi-"}, "spec": {...}}}'
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = sub.add_parser("server", help="serve Argo's REST API and run the workflows it accepts",
                            description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    server.add_argument("--port", type=int, default=2746, help="port to listen on (default 2746, Argo's)")
    server.add_argument("--address", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1; another needs --auth-mode client)")
    server.add_argument("--data-dir", help="where the store, logs and artifacts live")
    server.add_argument("--database", metavar="URL",
                        help="store URL (sqlite:///path); default: SQLite in the data dir")
    server.add_argument("--runtime", default="process", choices=["process", "docker"],
                        help="how steps run: host processes in sandboxes, or containers on the local Docker Engine")
    server.add_argument("--auth-mode", choices=["server", "client"], default="server",
                        help="server: no tokens (loopback only); client: Authorization: Bearer "
                             "tokens from --tokens FILE")
    server.add_argument("--tokens", metavar="FILE", help="tokens file for --auth-mode client (README)")
    server.add_argument("--namespaced", action="store_true", help="manage one namespace only")
    server.add_argument("--namespace", help="the namespace --namespaced manages (default: default)")
    server.add_argument("--parallelism", type=int, default=0, metavar="N",
                        help="at most N workflows run at once; the rest wait Pending, by priority then "
                             "age (Argo's controller parallelism; default 0: no limit)")
    server.add_argument("--namespace-parallelism", type=int, default=0, metavar="M",
                        help="at most M workflows of one namespace run at once (Argo's namespaceParallelism)")
    server.add_argument("--base-href", "--basehref", dest="base_href", default="/",
                        help="the web UI's base path behind a reverse proxy (default: $BASE_HREF or /)")
    server.add_argument("--archive", action="store_true",
                        help="copy each finished workflow into the workflow archive (Argo's persistence.archive)")
    server.add_argument("--archive-ttl", metavar="DURATION",
                        help="delete archived workflows older than this, e.g. 7d or 12h (Argo's archiveTTL)")
    server.add_argument("--default-ttl", type=int, metavar="SECONDS",
                        help="delete finished workflows this long after they end unless their ttlStrategy "
                             "says otherwise (Argo's workflowDefaults ttlStrategy.secondsAfterCompletion)")
    server.add_argument("--default-pod-gc", metavar="STRATEGY",
                        choices=["OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess"],
                        help="podGC strategy of workflows without a podGC (default: pods are kept until "
                             "the workflow is deleted, as in Argo)")
    server.add_argument("--metrics-ttl", default="0", metavar="DURATION",
                        help="drop custom metrics not updated for this long, e.g. 10m (Argo's metricsTTL; "
                             "default 0: never)")


def _seconds(text: str) -> float:
    from argosy.errors import ServerRefused, SpecError
    from argosy.spec import parse_go_duration

    try:
        return 0.0 if text.strip() in ("", "0") else float(parse_go_duration(text))
    except SpecError as err:
        raise ServerRefused(f"--metrics-ttl {text!r}: {err}") from None


def server_command(args: argparse.Namespace) -> int:
    from argosy.cli.home import data_dir
    from argosy.server.config import AuthMode, ServerConfig
    from argosy.server.serve import serve

    config = ServerConfig(
        address=args.address, port=args.port, data_dir=data_dir(args.data_dir), database=args.database,
        runtime=args.runtime, auth_mode=AuthMode(args.auth_mode),
        tokens_file=Path(args.tokens) if args.tokens else None,
        namespaced=args.namespaced, namespace=args.namespace, base_href=args.base_href,
        archive=args.archive, archive_ttl=args.archive_ttl,
        default_ttl={"secondsAfterCompletion": args.default_ttl} if args.default_ttl is not None else None,
        default_pod_gc=args.default_pod_gc,
        metrics_ttl=_seconds(args.metrics_ttl),
        parallelism=args.parallelism, namespace_parallelism=args.namespace_parallelism)
    serve(config)
    return 0
