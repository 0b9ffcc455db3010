"""An S3-protocol server for tests (moto's, in its own process on 127.0.0.1), and helpers to
put files in it and read them back. The fixtures that start it are in conftest.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import snapshot

BUCKET = "thresher-test"
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def s3() -> Any:
    import fsspec

    fs = fsspec.filesystem("s3", skip_instance_cache=True)
    fs.invalidate_cache()
    return fs


def upload(folder: Path, prefix: str) -> str:
    """`folder`'s files at s3://prefix/<folder name>/...: the URL of the folder."""
    fs = s3()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fs.put_file(str(path), f"{prefix}/{folder.name}/{path.relative_to(folder).as_posix()}")
    return f"s3://{prefix}/{folder.name}"


def download(url: str, local: Path) -> Path:
    """The store folder at `url`, copied to `local`."""
    fs = s3()
    root = url.removeprefix("s3://").rstrip("/")
    for path in fs.find(root):
        target = local / path[len(root) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(path, str(target))
    return local


def store_files(url: str) -> dict[str, bytes]:
    fs = s3()
    root = url.removeprefix("s3://").rstrip("/")
    return {path[len(root) + 1 :]: fs.cat_file(path) for path in sorted(fs.find(root))}


def serve(endpoint_port: int) -> subprocess.Popen[bytes]:
    """moto's S3 server on 127.0.0.1:`endpoint_port`, started and answering."""
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(endpoint_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", endpoint_port), timeout=1).close()
            return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)


def stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


@contextmanager
def configured(endpoint: str) -> Iterator[None]:
    """This process, and every process it starts (runs, Ray workers), reach the server:
    fsspec's configuration, set in the environment and in fsspec (which read it at import)."""
    import fsspec

    saved = {name: os.environ.get(name) for name in (*KEYS, "FSSPEC_S3_ENDPOINT_URL")}
    os.environ.update(KEYS)
    os.environ["FSSPEC_S3_ENDPOINT_URL"] = endpoint
    fsspec.config.conf["s3"] = {"endpoint_url": endpoint}
    try:
        yield
    finally:
        fsspec.config.conf.pop("s3", None)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# What names the inputs' modification times (a store's differ from the local copies'): the
# run record, and the index manifests that name the run by its fingerprint
BY_FINGERPRINT = ("run.json", "dedup-index/index.json", "dedup-index/steps/")


def output_of(out: Path) -> dict[str, bytes]:
    """`snapshot`, less the files that name the run's fingerprint (see BY_FINGERPRINT) and
    the index's lock (a local run's: a store has none)."""
    return {
        name: body
        for name, body in snapshot(out).items()
        if (not name.startswith(BY_FINGERPRINT) or not name.endswith(".json"))
        and not name.endswith("/lock")
    }
