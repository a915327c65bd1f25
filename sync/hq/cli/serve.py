"""``booth-hq serve``: the HQ server (booths' API and the staff dashboard).

The server and its libraries (uvicorn, FastAPI, SQLAlchemy) are imported only when it runs.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
from pathlib import Path

import click

from sync.hq.cli.common import pass_hq
from sync.hq.errors import ServeError
from sync.hq.facade import HQ


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--database", metavar="URL", help="Sync database URL (overrides the one given to booth-hq).")
@click.option(
    "--ssl-certfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TLS certificate (PEM); with --ssl-keyfile.",
)
@click.option(
    "--ssl-keyfile",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TLS private key (PEM); with --ssl-certfile.",
)
@click.option("--no-dashboard", is_flag=True, help="Serve only the booths' API, not the staff dashboard.")
@click.option(
    "--analyse-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds between integrity analytics runs (0: never; then run `booth-hq analyse`).",
)
@click.option(
    "--trust-proxy",
    is_flag=True,
    help="Behind a TLS-terminating proxy: believe its X-Forwarded-Proto (secure cookies).",
)
@pass_hq
def serve(
    hq: HQ,
    host: str,
    port: int,
    database: str | None,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    no_dashboard: bool,
    analyse_every: float,
    trust_proxy: bool,
) -> None:
    """Run the HQ server: booths push batches to it and pull bundles from it, and HQ staff
    use its dashboard (log in with an account from `booth-hq staff add`).

    \b
    Example:
      booth-hq --data-dir hq serve --host 0.0.0.0 --port 8443 \\
          --ssl-certfile hq.crt --ssl-keyfile hq.key
    """
    import uvicorn

    from sync.hq.server import create_app

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise click.UsageError("give both --ssl-certfile and --ssl-keyfile, or neither")
    passphrase = hq.passphrase() if hq.encrypted else None  # once, before serving: kept in memory
    listener = listen(host, port)  # before uvicorn: a port in use or a bad host is one line, exit 3
    if ssl_certfile is None and host not in ("127.0.0.1", "localhost", "::1"):
        click.echo("warning: serving plain HTTP beyond this machine; enrolment tokens travel in clear", err=True)
    app = create_app(
        hq.paths.root,
        database or hq.database_url,
        dashboard=not no_dashboard,
        analyse_every=analyse_every,
        trust_proxy=trust_proxy,
        passphrase=passphrase,
    )
    config = uvicorn.Config(
        app, host=host, port=port, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, log_level="info"
    )
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal again with the
    # handlers it found: a service manager's SIGTERM then ends the command with exit 0 (a stop
    # asked for), Ctrl-C with 130 (interrupted) as every command does.
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.Server(config).run(sockets=[listener])


def _stopped(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening, or a ``ServeError`` saying why not."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ServeError(
            f"cannot listen on {where}: {host!r} is not an address of this machine ({exc.strerror or exc})"
        ) from None
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does: restart without waiting
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        why = exc.strerror or str(exc)
        if exc.errno == errno.EADDRINUSE:
            why += " (is another server running? choose another --port)"
        elif exc.errno == errno.EACCES:
            why += " (ports below 1024 need privileges; choose another --port)"
        elif exc.errno == errno.EADDRNOTAVAIL:
            why += f" ({host} is not an address of this machine)"
        raise ServeError(f"cannot listen on {where}: {why[:1].lower()}{why[1:]}") from None
    sock.set_inheritable(True)
    return sock


COMMANDS = (serve,)
