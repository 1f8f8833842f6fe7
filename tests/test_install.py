"""A lean install: validating needs only the core dependencies; a command that needs an extra
says which one in one line.

A subprocess stands in for an environment without the extras: every module of an extra is
set to None in ``sys.modules`` before newsclaims is imported, which makes ``import X`` raise
ImportError and ``importlib.util.find_spec(X)`` answer None, as on a machine without them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, MiniRepo

HEAVY = ("datasets", "pyarrow", "spacy", "label_studio_sdk", "pandas", "huggingface_hub", "pydantic", "ray")
EXTRAS = {
    "corpus": ("datasets", "pyarrow", "spacy", "huggingface_hub", "yaml"),
    "labelstudio": ("label_studio_sdk",),
    "ray": ("ray",),
}

RUN = """
import json, sys
blocked = json.loads(sys.argv[1])
for name in blocked:
    sys.modules[name] = None
from newsclaims.cli import main
code = main(sys.argv[3:])
heavy = sorted(m for m in json.loads(sys.argv[2]) if sys.modules.get(m) is not None)
print("IMPORTED " + json.dumps(heavy), file=sys.stderr)
sys.exit(code)
"""


def run(args: list[str], cwd: Path, blocked: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(list(blocked)), json.dumps(list(HEAVY)), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def imported(proc: subprocess.CompletedProcess[str]) -> list[str]:
    line = next(x for x in proc.stderr.splitlines() if x.startswith("IMPORTED "))
    names: list[str] = json.loads(line.removeprefix("IMPORTED "))
    return names


def test_validate_without_a_corpus_imports_nothing_heavy(mini: MiniRepo) -> None:
    # Not even pydantic: a file that passes the packaged JSON Schema never needs the models.
    mini.write()
    proc = run(["validate"], mini.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert imported(proc) == []


def test_a_file_that_fails_the_schema_gets_the_models_messages(mini: MiniRepo) -> None:
    mini.gold["doc-a"]["mentions"][0]["label"] = "PERSONA"
    mini.write()
    proc = run(["validate"], mini.root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("annotations/gold/doc-a.json:m1:label: NC103 'PERSONA' is not in the vocabulary")
    assert imported(proc) == ["pydantic"]


def test_validate_works_without_any_extra(mini: MiniRepo) -> None:
    mini.write()
    blocked = tuple(m for mods in EXTRAS.values() for m in mods)
    proc = run(["validate"], mini.root, blocked)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # and finds problems as ever: break one span
    gold = mini.root / "annotations" / "gold" / "doc-a.json"
    data = json.loads(gold.read_text())
    data["mentions"][0]["text"] = "Kirbi"
    gold.write_text(json.dumps(data))
    proc = run(["validate"], mini.root, blocked)
    assert proc.returncode == 1
    assert proc.stdout.startswith("annotations/gold/doc-a.json:m1:span: NC203 text 'Kirbi' differs"), proc.stdout


@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (["build"], "corpus"),
        (["validate"], "corpus"),  # the repository has a corpus/ to check
        (["round", "push", "r1"], "labelstudio"),
        (["round", "pull", "r1"], "labelstudio"),
        (["validate", "--engine", "ray"], "ray"),
        (["build", "--engine", "ray"], "ray"),
    ],
)
def test_a_command_that_needs_a_missing_extra_names_it_in_one_line(mini: MiniRepo, args: list[str], extra: str) -> None:
    mini.write()
    (mini.root / "corpus").mkdir()
    proc = run(args, mini.root, EXTRAS[extra])
    assert proc.returncode == 2, proc.stdout + proc.stderr
    said = [line for line in proc.stderr.splitlines() if not line.startswith("IMPORTED ")]
    assert len(said) == 1, proc.stderr
    assert f"pip install 'newsclaims[{extra}]'" in said[0] and "Traceback" not in proc.stderr


def test_the_library_metadata_pins_no_exact_version() -> None:
    import tomllib

    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert [r for r in requirements if "==" in r] == []
    core = {r.split(">")[0].split("<")[0].split("=")[0].strip() for r in project["dependencies"]}
    assert core.isdisjoint({"datasets", "pyarrow", "spacy", "label-studio-sdk"})


def test_constraints_pin_every_extra() -> None:
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (REPO_ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    extras = ("datasets", "pyarrow", "spacy", "label-studio-sdk", "huggingface-hub", "ray")
    for name in (*extras, "import-linter", "grimp"):
        assert name in pinned, name


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """import-linter with the contracts of pyproject.toml, on the package found in ``src``."""
    lint = Path(sys.executable).with_name("lint-imports")
    config = src.parent / "pyproject.toml"
    if not config.exists():
        shutil.copy(REPO_ROOT / "pyproject.toml", config)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(lint), "--config", str(config), "--no-cache"],
        cwd=src.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_no_module_imports_upward_or_in_a_cycle() -> None:
    proc = lint_imports(REPO_ROOT / "src")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "BROKEN" not in proc.stdout and proc.stdout.count("KEPT") >= 3


@pytest.mark.parametrize(
    ("module", "statement", "broken"),
    [
        # An import deferred into a function counts: a core module may not reach up to the API.
        (
            "core/spans.py",
            "\n\ndef _late() -> None:\n    from newsclaims.api import validate  # noqa\n",
            "Layers of the package",
        ),
        # So does one only for the type checker.
        (
            "schema/shape.py",
            "\nfrom typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from newsclaims.validation.rules import Registries  # noqa\n",
            "Layers of the package",
        ),
        # Two modules of one layer importing each other are a cycle.
        (
            "validation/rules.py",
            "\n\ndef _late() -> None:\n    from newsclaims.validation import stream  # noqa\n",
            "cycle",
        ),
    ],
)
def test_the_contracts_catch_a_deferred_import(tmp_path: Path, module: str, statement: str, broken: str) -> None:
    shutil.copytree(
        REPO_ROOT / "src" / "newsclaims", tmp_path / "src" / "newsclaims", ignore=shutil.ignore_patterns("*.so")
    )
    target = tmp_path / "src" / "newsclaims" / module
    target.write_text(target.read_text() + statement.encode().decode("unicode_escape"))
    proc = lint_imports(tmp_path / "src")
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert f"{broken} BROKEN" in proc.stdout, proc.stdout[-3000:]
