"""Finding 4 of the hardening issue: the production image installs what its broker needs. The
test environment hides a missing dependency (pytest brings `packaging`), so this reads what
requirements.txt asks for and what kombu's Redis transport needs, without the test's packages."""

import re
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def production_requirements() -> dict[str, Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    reqs = [Requirement(line.split("#")[0].strip()) for line in lines if re.match(r"^[A-Za-z]", line)]
    return {r.name.lower(): r for r in reqs}


def test_the_redis_transport_has_what_it_imports_from_the_production_requirements_alone():
    reqs = production_requirements()
    needed = [
        Requirement(spec)
        for spec in requires("kombu")
        if Requirement(spec).marker and "redis" in str(Requirement(spec).marker)
    ]
    assert {r.name for r in needed} >= {"redis", "packaging"}, needed
    kombu = reqs["kombu"]
    missing = [r.name for r in needed if "redis" not in kombu.extras and r.name.lower() not in reqs]
    assert not missing, f"requirements.txt installs kombu without {missing}: ask for kombu[redis]"
