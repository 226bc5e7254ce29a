"""Configuration comes from the environment; production refuses to start without a key."""

from __future__ import annotations

import os
import subprocess
import sys


def _run(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TECHFIN_")}
    base.update(env)
    base["DJANGO_SETTINGS_MODULE"] = "techfin.settings"
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=60)


def test_production_without_secret_key_refuses_to_start() -> None:
    result = _run({}, "import django; django.setup()")
    assert result.returncode != 0
    assert "TECHFIN_SECRET_KEY" in result.stderr


def test_debug_uses_a_development_key_and_sqlite_under_var(tmp_path: os.PathLike[str]) -> None:
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.TIME_ZONE, s.LANGUAGE_CODE)")
    result = _run({"TECHFIN_DEBUG": "1", "TECHFIN_VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    engine, name, tz, lang = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert name == os.path.join(str(tmp_path), "techfin.sqlite3")
    assert (tz, lang) == ("Asia/Shanghai", "zh-hans")


def test_database_url_hosts_and_media_come_from_the_environment() -> None:
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'], ','.join(s.ALLOWED_HOSTS), s.MEDIA_ROOT)")
    result = _run({"TECHFIN_SECRET_KEY": "k" * 50, "TECHFIN_DATABASE_URL": "postgres://u@db.example:5432/tf",
                   "TECHFIN_ALLOWED_HOSTS": "techfin.example,10.0.0.5", "TECHFIN_MEDIA_ROOT": "/srv/media"}, code)
    assert result.returncode == 0, result.stderr
    engine, name, host, hosts, media = result.stdout.split()
    assert engine == "django.db.backends.postgresql" and name == "tf" and host == "db.example"
    assert hosts == "techfin.example,10.0.0.5"
    assert media == "/srv/media"


def test_techfin_command_runs_django_management() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TECHFIN_")}
    env["TECHFIN_DEBUG"] = "1"
    result = subprocess.run([sys.executable, "-m", "techfin", "help"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("migrate", "runserver", "createsuperuser", "demo", "audit", "db_worker"):
        assert command in result.stdout
