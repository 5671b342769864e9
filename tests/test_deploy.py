"""The production deployment starts healthy (docker-compose.yml, docs/operations.md). There is no
Docker engine here: the compose file is resolved by docker-compose itself, and its web service is
brought up as the container would run it (its environment and command, with the service names
postgres and redis pointed at this machine's servers), then probed with its own health check."""

import os
import shlex
import shutil
import socket
import subprocess
import sys
import time

import pytest
import yaml
from django.conf import settings
from django.db import connection

COMPOSE = shutil.which("docker-compose")
SECRETS = {
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-of-sufficient-length-0123456789-abcdef",
    "POSTGRES_PASSWORD": "pw",
}

pytestmark = pytest.mark.skipif(COMPOSE is None, reason="docker-compose is not installed")


def compose_config(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("DJANGO_")}
    return subprocess.run(
        [COMPOSE, "config"], cwd=settings.BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.mark.parametrize("missing", sorted(SECRETS))
@pytest.mark.parametrize("value", [None, ""])
def test_the_compose_file_refuses_to_start_without_its_secrets(missing, value):
    env = dict(SECRETS)
    if value is None:
        del env[missing]
    else:
        env[missing] = value
    result = compose_config(**env)
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def test_the_web_port_is_published_on_loopback_and_logs_are_rotated():
    config = yaml.safe_load(compose_config(**SECRETS).stdout)
    web = config["services"]["web"]
    assert [str(p).removesuffix("/tcp") for p in web["ports"]] == ["127.0.0.1:8000:8000"]
    for name, service in config["services"].items():
        assert service["logging"]["options"]["max-size"] == "10m", name
    assert config["services"]["beat"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "manage.py",
        "healthcheck",
        "beat",
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the web service runs on PostgreSQL")
def test_the_web_service_starts_healthy_with_real_allowed_hosts(tmp_path):
    config = yaml.safe_load(compose_config(**SECRETS, DJANGO_ALLOWED_HOSTS="esp.example.com").stdout)
    web = config["services"]["web"]
    db = connection.settings_dict
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))},
        **{k: str(v) for k, v in web["environment"].items()},
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
        "CACHE_URL": "redis://127.0.0.1:6379/12",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    assert env["DJANGO_ALLOWED_HOSTS"] == "esp.example.com"
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    collect = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
    subprocess.run(collect, cwd=settings.BASE_DIR, env=env, check=True)

    port = free_port()
    command = shlex.split(web["command"].replace("0.0.0.0:8000", f"127.0.0.1:{port}"))
    command = [sys.executable, "-m", *command] if command[0] == "gunicorn" else command
    server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)
    try:
        probe = [
            part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in web["healthcheck"]["test"][1:]
        ]
        probe[0] = sys.executable if probe[0] == "python" else probe[0]
        deadline = time.monotonic() + 30
        while subprocess.run(probe, capture_output=True).returncode != 0:  # as Docker would retry it
            assert server.poll() is None, "gunicorn stopped"
            assert time.monotonic() < deadline, "the web service's health check never passed"
            time.sleep(0.5)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
