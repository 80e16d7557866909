"""deploy/nginx/host.conf in front of real webhook workers, over TLS, with one worker killed.

Runs Debian's nginx when it is installed (`apt-get install nginx-light`), with the config's
ports and certificate swapped for a free port and a self-signed one; skipped otherwise.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_scale_out import PLANNED, SERVER
from tests.fake_telegram import FakeBotApi
from tests.webhook_harness import (
    Workers,
    compare_chats,
    migrate,
    postgres_database,
    run_crowd,
    stored_checks,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PEOPLE = 20


def _certificate(folder: Path) -> tuple[Path, Path]:
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def _config(folder: Path, port: int, worker_ports: list[int]) -> Path:
    """host.conf as shipped, but for this test's ports and certificate."""
    key, cert = _certificate(folder)
    text = (ROOT / "deploy" / "nginx" / "host.conf").read_text()
    text = text.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    text = text.replace("/etc/letsencrypt/live/bot.example.org/fullchain.pem", str(cert))
    text = text.replace("/etc/letsencrypt/live/bot.example.org/privkey.pem", str(key))
    shipped = ["127.0.0.1:8441", "127.0.0.1:8442", "127.0.0.1:8443"]
    for index, address in enumerate(shipped):
        if index < len(worker_ports):
            text = text.replace(address, f"127.0.0.1:{worker_ports[index]}")
        else:
            text = text.replace(f"    server {address} max_fails=2 fail_timeout=5s;\n", "")
    (folder / "trustcoach.conf").write_text(text)
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = " ".join(
        f"{kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"{user}pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\nevents {{}}\n"
        f"http {{ {temp} include {folder / 'trustcoach.conf'}; }}\n"
    )
    return main


@pytest.fixture
def database_url() -> Iterator[str]:
    """A new PostgreSQL database, migrated."""
    try:
        context = postgres_database(SERVER)
        url = context.__enter__()
    except Exception as error:
        pytest.skip(f"PostgreSQL not reachable at {SERVER}: {type(error).__name__}")
    try:
        migrate(url)
        yield url
    finally:
        context.__exit__(None, None, None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light)")
@pytest.mark.timeout(600)
def test_nginx_spreads_updates_and_passes_over_a_dead_worker(
    database_url: str, index_cache: Path, tmp_path: Path
) -> None:
    async def scenario() -> tuple[object, str]:
        async with FakeBotApi() as fake:
            pool = Workers(fake, database_url, index_cache, tmp_path, count=2)
            proxy_port = _free()
            config = _config(tmp_path, proxy_port, pool.ports)
            checked = subprocess.run(
                [NGINX, "-t", "-c", str(config)], check=False, capture_output=True
            )
            assert checked.returncode == 0, checked.stderr
            nginx = subprocess.Popen([NGINX, "-c", str(config), "-g", "daemon off;"])
            try:
                await pool.start_all()
                crowd = await run_crowd(
                    fake,
                    PEOPLE,
                    urls=[f"https://127.0.0.1:{proxy_port}/telegram"],
                    verify=False,
                    kill=lambda: pool.kill(1),
                    kill_after_taps=PEOPLE * 3,
                )
            finally:
                nginx.send_signal(signal.SIGQUIT)
                nginx.wait(timeout=30)
                await asyncio.to_thread(pool.stop_all)
            return crowd, pool.errors()

    crowd, errors = asyncio.run(scenario())
    assert crowd.unanswered == []  # type: ignore[attr-defined]
    stored = stored_checks(database_url)
    assert len(stored) == PEOPLE and all(checks == [PLANNED] for checks in stored.values())
    chats = compare_chats(crowd.screens, crowd.people)  # type: ignore[attr-defined]
    assert chats.lost == 0 and chats.doubled <= 3, chats.odd[:3]
    assert "Traceback" not in errors


def _free() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
