"""validate and build on a distributed engine (Ray Data, local mode on 127.0.0.1): the same
problems and the same corpus as the local path, and one line when the engine is missing.

The engine is started once for the module, on 127.0.0.1 with 2 CPUs, and stopped after. The
repositories are synthetic (``newsclaims.synth``) with errors of every family the synthesiser
injects, and more put in by hand for the rules the driver keeps (the manifest against seeds/,
the same bytes twice) and those of a seed's bytes, which the workers check.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from newsclaims import validate
from newsclaims.cli import main
from newsclaims.corpus.build import BuildError, build
from newsclaims.engines import Engine, EngineFailed, started
from newsclaims.engines.building import build_on
from newsclaims.synth import synthesize

# Ray Data warns about its own deprecated settings whenever it copies its context.
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")]

PAGES = 240
NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    import ray

    assert not ray.is_initialized()
    with started("ray", workers=2) as running:
        # Local mode, on the loopback address only.
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        assert ray.util.get_node_ip_address() == "127.0.0.1"
        yield running
    assert not ray.is_initialized()


def _entries(root: Path) -> list[dict[str, Any]]:
    documents: list[dict[str, Any]] = json.loads((root / "seeds" / "manifest.json").read_text())["documents"]
    return sorted(documents, key=lambda d: d["doc_id"])


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Injected errors in every family, and by hand: one seed holding another's bytes (NC504,
    NC506), one not UTF-8 (NC509), one missing (NC503), and a gold file of no document."""
    root = tmp_path_factory.mktemp("broken") / "repo"
    synthesize(PAGES, root, seed=11, errors=2)
    seeds, gold = root / "seeds", root / "annotations" / "gold"
    entries = _entries(root)[-4:]  # the synthesiser breaks the first pages' annotations
    (seeds / entries[1]["file"]).write_bytes((seeds / entries[0]["file"]).read_bytes())
    (seeds / entries[2]["file"]).write_bytes(b"caf\xe9 au lait\n")
    (seeds / entries[3]["file"]).unlink()
    (gold / "no-such-page.json").write_bytes((gold / f"{entries[0]['doc_id']}.json").read_bytes())
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Valid, its stories spread over the three splits (the synthesiser puts all in test)."""
    root = tmp_path_factory.mktemp("clean") / "repo"
    synthesize(PAGES, root, seed=12)
    path = root / "annotations" / "splits.json"
    splits = json.loads(path.read_text())
    for i, row in enumerate(splits["splits"]):
        row["split"] = ("train", "validation", "test")[i % 3]
    path.write_text(json.dumps(splits, indent=2))
    assert validate(root, corpus=False) == []
    return root


@pytest.fixture(scope="module")
def local_corpus(clean: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "corpus"
    build(clean, out)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _rows(path: Path) -> list[str]:
    """A parquet file's rows, each as canonical JSON, sorted: the rows whatever their order."""
    return sorted(json.dumps(row, sort_keys=True, default=str) for row in pq.read_table(path).to_pylist())


def assert_same_corpus(local: Path, engine: Path) -> None:
    """The same rows in every config and split, and the same bytes in every file (the engine
    path writes through the local build's sinks)."""
    mine, theirs = _files(engine), _files(local)
    data = sorted(name for name in theirs if name.startswith("data/"))
    assert len({name.split("/")[1] for name in data}) >= 6 and {Path(n).stem.rsplit("-", 1)[0] for n in data} == {
        "train",
        "validation",
        "test",
    }
    assert sorted(name for name in mine if name.startswith("data/")) == data
    for name in data:
        assert _rows(engine / name) == _rows(local / name), name
        assert mine[name] == theirs[name], name
    assert sorted(mine) == sorted(theirs)
    for name in sorted(theirs):
        assert mine[name] == theirs[name], name


def test_validate_on_the_engine_finds_exactly_what_the_local_path_finds(broken: Path, engine: Engine) -> None:
    local = validate(broken, corpus=False)
    codes = {p.code for p in local}
    # Both halves are exercised: rules the workers run and rules the driver keeps.
    assert {"NC103", "NC203", "NC303", "NC401", "NC501", "NC504", "NC509", "NC508"} <= codes
    assert {"NC503", "NC506"} <= codes
    assert validate(broken, corpus=False, engine=engine) == local
    # One document fixed: the engine sees the change (nothing is kept from the run before).
    seeds = broken / "seeds"
    entry = _entries(broken)[-2]
    saved = (seeds / entry["file"]).read_bytes()
    (seeds / entry["file"]).write_text("café au lait\n", encoding="utf-8")
    try:
        again = validate(broken, corpus=False, engine=engine)
        assert again == validate(broken, corpus=False) and again != local
    finally:
        (seeds / entry["file"]).write_bytes(saved)


def test_build_on_the_engine_writes_the_local_corpus(clean: Path, local_corpus: Path, engine: Engine) -> None:
    release = build_on(engine, clean)
    assert_same_corpus(local_corpus, clean / "corpus")
    assert release.counts["documents"] == {
        split: pq.read_metadata(local_corpus / f"data/documents/{split}-00000.parquet").num_rows
        for split in ("test", "train", "validation")
    }
    # The corpus rules (run by the driver) find the engine's corpus as fresh as a local one: only
    # the CHANGELOG's fingerprint is stale (NC606), as the splits were moved after synth wrote it.
    found = validate(clean)
    assert [p.code for p in found] == ["NC606"]
    assert validate(clean, engine=engine) == found
    assert validate(clean, engine=engine, rebuild=True) == found


def test_build_on_the_engine_refuses_inputs_with_problems(broken: Path, engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BuildError) as refused:
        build_on(engine, broken, tmp_path / "corpus")
    assert refused.value.problems == validate(broken, corpus=False)
    assert not (tmp_path / "corpus").exists()


def test_the_newsclaims_command_on_the_engine(
    broken: Path, clean: Path, local_corpus: Path, engine: Engine, tmp_path: Path
) -> None:
    """The real command, in another process, joining the test's engine by its address."""
    import ray

    address = ["--engine", "ray", "--engine-address", ray.get_runtime_context().gcs_address]
    local = subprocess.run([NEWSCLAIMS, "validate", str(broken)], capture_output=True, text=True, timeout=300)
    assert local.returncode == 1 and local.stdout.count("\n") > 10
    remote = subprocess.run(
        [NEWSCLAIMS, "validate", *address, str(broken)], capture_output=True, text=True, timeout=300
    )
    assert (remote.returncode, remote.stdout, remote.stderr) == (local.returncode, local.stdout, local.stderr)
    out = tmp_path / "corpus"
    built = subprocess.run(
        [NEWSCLAIMS, "build", *address, "--root", str(clean), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("built corpus ") and built.stderr == ""
    assert_same_corpus(local_corpus, out)


def test_a_worker_that_raises_stops_the_run_in_one_line(engine: Engine) -> None:
    from newsclaims.engines.rows import chunk_maker

    with pytest.raises(EngineFailed) as failed:
        list(engine.map_batches([b"not a pickled job"], chunk_maker, {}, 1))
    assert str(failed.value).startswith("the Ray engine failed: UnpicklingError: ")
    assert "\n" not in str(failed.value)


def test_an_address_where_no_engine_answers_is_one_line(broken: Path) -> None:
    # Port 1 on the loopback address: nothing listens there, and Ray itself would retry for minutes.
    done = subprocess.run(
        [NEWSCLAIMS, "validate", "--engine", "ray", "--engine-address", "127.0.0.1:1", str(broken)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "newsclaims validate: no Ray cluster answers at 127.0.0.1:1: Connection refused\n"


@pytest.mark.parametrize("command", [["validate"], ["build", "--root"]])
def test_without_the_extra_the_command_says_which_to_install(
    command: list[str], broken: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import newsclaims.core.extras

    found = newsclaims.core.extras.find_spec
    monkeypatch.setattr(newsclaims.core.extras, "find_spec", lambda name: None if name == "ray" else found(name))
    assert main([*command, str(broken), "--engine", "ray"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no module 'ray'" in err and err.endswith("pip install 'newsclaims[ray]'\n")


@pytest.mark.parametrize("command", [["validate"], ["build", "--root"]])
def test_spark_is_named_with_the_extra_to_install_instead(
    command: list[str], broken: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, str(broken), "--engine", "spark"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--engine spark is not supported" in err
    assert err.endswith("use --engine ray, which needs pip install 'newsclaims[ray]'\n")
