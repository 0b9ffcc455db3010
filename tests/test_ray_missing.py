"""Choosing an engine, with or without Ray installed: what cannot run is refused with a message
that says what to do, before the run folder is touched."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

import thresher
from thresher import ConfigError
from thresher.cli import main

EXAMPLES = ROOT / "examples" / "corpus"


@pytest.fixture
def without_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray as if it were not installed: `import ray` fails (and the engine is imported anew)."""
    monkeypatch.setitem(sys.modules, "ray", None)
    monkeypatch.delitem(sys.modules, "thresher.run.ray_engine", raising=False)


def test_the_ray_engine_without_ray_names_the_extra_to_install(
    without_ray: None, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"--engine ray needs Ray.*pip install 'thresher\[ray\]'"):
        thresher.run([str(EXAMPLES)], tmp_path / "out", engine="ray")
    assert not (tmp_path / "out").exists()


def test_the_command_without_ray_exits_2_naming_the_extra(
    without_ray: None, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(EXAMPLES), "-o", str(out), "--engine", "ray"])
    assert result.exit_code == 2
    assert "pip install 'thresher[ray]'" in result.output
    assert not out.exists()


def test_an_unknown_engine_or_an_address_without_ray_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="engine must be one of local, ray, got 'spark'"):
        thresher.run([str(EXAMPLES)], tmp_path / "out", engine="spark")
    with pytest.raises(ConfigError, match="an address is for --engine ray only"):
        thresher.run([str(EXAMPLES)], tmp_path / "out", address="10.0.0.1:6379")
    assert not (tmp_path / "out").exists()


def test_a_ray_address_where_nothing_answers_is_refused_at_once(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'thresher[ray]')")
    with socket.socket() as probe:  # a port just free: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConfigError, match=f"--address 127.0.0.1:{port}: no Ray cluster answers"):
        thresher.run([str(EXAMPLES)], tmp_path / "out", engine="ray", address=f"127.0.0.1:{port}")
    assert not (tmp_path / "out").exists()


def test_an_ipv6_address_is_tried_without_its_brackets() -> None:
    from thresher.run.engine import require_reachable

    with socket.socket(socket.AF_INET6) as listener:
        try:
            listener.bind(("::1", 0))
        except OSError:
            pytest.skip("no IPv6 loopback here")
        listener.listen()
        require_reachable(f"[::1]:{listener.getsockname()[1]}")  # answers: no error
