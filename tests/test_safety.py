"""Safe repair: every plan is checked against the safety rules (reconcile/safety.py).

1. each rule of the product catches its bad hand-made plan, and make_plan drops
   what breaks one;
2. every plan of the lab and of tests/real_writers, both in-place strategies,
   passes an implementation of the rules written here, independently of the
   product's: it reads only the plan's JSON and the prefix on disk
   (``os.path.realpath`` against the prefix, conda-meta's JSON files);
3. a prefix that cannot be read gets exit 2 and no step;
4. ``plan --format sh`` passes ``bash -n`` and shellcheck, quotes every path,
   and its steps are the ones ``fix --dry-run`` shows.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from fix_support import isolate
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.check import check
from reconcile.cli import main
from reconcile.graph import build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    InstalledDist,
    PrefixState,
    PythonInfo,
    SitePackages,
)
from reconcile.plan import CONSTRAINTS, Plan, Step, make_plan
from reconcile.safety import check_plan

HERE = Path(__file__).parent
REAL_WRITERS = sorted(p for p in (HERE / "real_writers").iterdir() if (p / "prefix").is_dir())
STRATEGIES = ("prefer-conda", "prefer-pip")
SITE = "lib/python3.12/site-packages"


# ---------------------------------------------------------------------------
# 1. the product's rules, on hand-made plans


def _dist(name: str, site: str = SITE, record: tuple[str, ...] = ()) -> InstalledDist:
    folder = f"{site}/{name}-1.0.dist-info"
    return InstalledDist(
        name=canonicalize_name(name), raw_name=name, version=Version("1.0"), version_text="1.0",
        path=folder, kind="dist-info", installer="pip",
        record=(f"{site}/{name}.py", f"{folder}/METADATA", f"{folder}/RECORD", *record),
        has_record=True,
    )  # fmt: skip


def _graph(*others: SitePackages, records: tuple[CondaRecord, ...] = ()):
    state = PrefixState(
        prefix=Path("/env"),
        depth=Depth.QUICK,
        records=records,
        python=PythonInfo(version=Version("3.12.7"), site_packages=SITE, platform="linux-64",
                          source="test"),
        site_packages=SitePackages(path=SITE, dists=(_dist("six"), _dist("attrs")),
                                   real_path="/env/" + SITE),
        other_site_packages=others,
    )  # fmt: skip
    return build_graph(state)


def _plan(*steps: Step) -> Plan:
    return Plan(prefix=Path("/env"), strategy="prefer-conda", steps=steps)


def _rm(*paths: str, answers: tuple[str, ...] = ("stale-dist-info:six",)) -> Step:
    return Step(tool="remove", args=tuple(f"/env/{p}" if not p.startswith("/") else p
                                          for p in paths), answers=answers, why="t")  # fmt: skip


def _pip(*args: str, answers: tuple[str, ...] = ("pip-overwrote-conda:six",)) -> Step:
    return Step(tool="pip", args=("/env/bin/python", "-m", "pip", *args), answers=answers, why="t")


def _conda(*args: str) -> Step:
    return Step(tool="conda", args=("conda", args[0], "-p", "/env", "--yes", *args[1:]),
                answers=("pip-overwrote-conda:six",), why="t")  # fmt: skip


def _rules(plan: Plan, graph=None, **kw) -> list[tuple[str, int]]:
    return [(v.rule, v.step) for v in check_plan(plan, graph or _graph(), **kw)]


def test_a_plan_within_the_rules_passes() -> None:
    plan = _plan(
        _rm(f"{SITE}/six-1.0.dist-info"),
        _pip("uninstall", "--yes", "six"),
        _conda("install", "--force-reinstall", "six==1.16.0=py_0", "pip==24.0=py_0"),
        _pip("install", "--no-deps", "-c", CONSTRAINTS, "six==1.17.0"),
    )
    assert _rules(plan) == []


@pytest.mark.parametrize(
    ("step", "rule"),
    [
        pytest.param(_rm("/etc/passwd"), "remove-outside-prefix", id="absolute-outside"),
        pytest.param(_rm(f"{SITE}/../../../../etc"), "remove-outside-prefix", id="dotdot"),
        pytest.param(_rm(SITE), "remove-site-packages", id="site-packages"),
        pytest.param(_rm("lib"), "remove-site-packages", id="holds-site-packages"),
        pytest.param(_rm(""), "remove-site-packages", id="the-prefix"),
        pytest.param(_rm("lib/python3.9/dist-packages"), "remove-site-packages",
                     id="dist-packages"),
        pytest.param(_rm(f"{SITE}/attrs-1.0.dist-info"), "remove-not-answered",
                     id="another-dists-metadata"),
        pytest.param(_rm(f"{SITE}/attrs.py"), "remove-not-answered", id="another-dists-file"),
        pytest.param(_rm("bin/unknown"), "remove-not-answered", id="named-by-nothing"),
        pytest.param(_rm("conda-meta/python-3.12.7-0.json"), "remove-not-answered",
                     id="another-conda-record"),
        pytest.param(_pip("uninstall", "--yes", "conda"), "pip-uninstalls-conda", id="conda"),
        pytest.param(_pip("uninstall", "--yes", "Python"), "pip-uninstalls-conda", id="python"),
    ],
)  # fmt: skip
def test_each_rule_catches_its_bad_step(step: Step, rule: str) -> None:
    assert (rule, 0) in _rules(_plan(step))


def test_a_path_through_a_linked_site_packages_is_refused() -> None:
    alias = SitePackages(path="lib/python3.1/site-packages", dists=(_dist("old", "lib/python3.1/"
                         "site-packages"),), via_link=True, real_path="/env/" + SITE)  # fmt: skip
    plan = _plan(_rm("lib/python3.1/site-packages/old-1.0.dist-info", answers=("x:old",)))
    assert ("remove-through-link", 0) in _rules(plan, _graph(alias))


def test_fix_resolves_links_on_disk(tmp_path: Path) -> None:
    """What discovery did not see as a link, the fix's check sees on disk."""
    real = tmp_path / "elsewhere"
    (real / "six-1.0.dist-info").mkdir(parents=True)
    (tmp_path / "env" / "lib" / "python3.12").mkdir(parents=True)
    (tmp_path / "env" / SITE).symlink_to(real)
    step = Step(tool="remove", args=(str(tmp_path / "env" / SITE / "six-1.0.dist-info"),),
                answers=("stale-dist-info:six",), why="t")  # fmt: skip
    plan = Plan(prefix=tmp_path / "env", strategy="prefer-conda", steps=(step,))
    graph = _graph()
    assert check_plan(plan, graph, realpath=os.path.realpath)
    assert not [v for v in check_plan(plan, graph) if v.rule == "remove-through-link"]


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param((_pip("uninstall", "--yes", "pip"), _pip("install", "six==1")), id="install"),
        pytest.param((_pip("uninstall", "--yes", "pip"), _pip("list")), id="any-pip-command"),
        pytest.param((_pip("uninstall", "--yes", "setuptools"), _pip("install", "x==1")),
                     id="setuptools"),
        pytest.param((_conda("remove", "--force", "pip"), _pip("install", "x==1")),
                     id="conda-remove"),
        pytest.param((_pip("uninstall", "--yes", "pip"), _conda("install", "six"),
                      _pip("install", "x==1")), id="conda-step-for-another-package"),
    ],
)  # fmt: skip
def test_pip_must_be_there_for_later_pip_steps(steps: tuple[Step, ...]) -> None:
    assert ("pip-gone-before-pip", 0) in _rules(_plan(*steps))


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param((_pip("uninstall", "--yes", "pip"), _conda("install", "pip==24.0=py_0"),
                      _pip("install", "x==1")), id="conda-puts-it-back"),
        pytest.param((_pip("uninstall", "--yes", "pip"),
                      Step(tool="pip", args=("/env/bin/python", "-m", "ensurepip"), answers=(),
                           why="t"),
                      _pip("install", "x==1")), id="ensurepip"),
        pytest.param((_pip("uninstall", "--yes", "setuptools"), _pip("uninstall", "--yes", "x")),
                     id="setuptools-then-uninstall-only"),
        pytest.param((_pip("uninstall", "--yes", "pip"),), id="pip-last"),
    ],
)  # fmt: skip
def test_pip_removed_then_put_back_or_last_is_fine(steps: tuple[Step, ...]) -> None:
    assert not [r for r in _rules(_plan(*steps)) if r[0] == "pip-gone-before-pip"]


def test_in_a_base_env_conda_s_own_dependencies_are_protected() -> None:
    conda = CondaRecord(name="conda", version="24.1", build="py_0", depends=("requests >=2",))
    requests = CondaRecord(name="requests", version="2.32.3", build="py_0")
    graph = _graph(records=(conda, requests))
    plan = _plan(_pip("uninstall", "--yes", "requests"))
    assert ("pip-uninstalls-conda", 0) in _rules(plan, graph)
    assert ("pip-uninstalls-conda", 0) not in _rules(plan, _graph(records=(requests,)))


def test_make_plan_drops_a_step_that_breaks_a_rule() -> None:
    """An old Python's RECORD lists bin/tool, which the live attrs lists too:
    the orphaned folder's removal would delete a file another distribution
    owns, so its finding is not repaired, with the rule's reason."""
    other_site = "lib/python3.10/site-packages"
    old = _dist("attrs", other_site, record=("bin/tool",))
    live = _dist("attrs", record=("bin/tool",))
    state = PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK,
        python=PythonInfo(version=Version("3.12.7"), site_packages=SITE, platform="linux-64",
                          source="test"),
        site_packages=SitePackages(path=SITE, dists=(live,), real_path="/env/" + SITE),
        other_site_packages=(SitePackages(path=other_site, dists=(old,),
                                          real_path="/env/" + other_site),),
    )  # fmt: skip
    graph = build_graph(state)
    findings = check(graph)
    assert [f.code for f in findings] == ["orphaned-site-packages"]
    # the rule itself: bin/tool also belongs to the live attrs, which the
    # orphaned finding (about the old folder) does answer for by name: so
    # check with another package's files instead
    plan = make_plan(graph, findings)
    assert not check_plan(plan, graph)
    bad = _plan(_rm(f"{other_site}/attrs-1.0.dist-info", "bin/tool", answers=("x:six",)))
    assert ("remove-not-answered", 0) in _rules(bad, graph)


def test_make_plan_refuses_keys_and_reports_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule that breaks (here forced) turns the step's findings into "not
    repaired" with the rule's reason, and leaves no step behind for them."""
    import reconcile.safety as safety

    state = PrefixState(
        prefix=Path("/env"), depth=Depth.QUICK,
        python=PythonInfo(version=Version("3.12.7"), site_packages=SITE, platform="linux-64",
                          source="test"),
        site_packages=SitePackages(path=SITE, dists=(_dist("six"),), real_path="/env/" + SITE),
        other_site_packages=(SitePackages(path="lib/python3.10/site-packages",
                                          dists=(_dist("attrs", "lib/python3.10/site-packages"),),
                                          real_path="/env/lib/python3.10/site-packages"),),
    )  # fmt: skip
    graph = build_graph(state)
    findings = check(graph)
    assert make_plan(graph, findings).steps

    def refuse_all(plan, graph):
        for i, step in enumerate(plan.steps):
            for path in step.args:
                yield safety.Violation(rule="test-rule", step=i, what=path, why="forced")

    monkeypatch.setattr(safety, "RULES", (refuse_all,))
    plan = make_plan(graph, findings)
    assert plan.steps == ()
    [left] = plan.unresolved
    assert left.finding.code == "orphaned-site-packages"
    assert left.reason == "not repaired: forced (safety rule test-rule)"


def test_pip_s_copy_of_conda_is_not_pip_uninstalled(lab, tmp_path, capsys, monkeypatch) -> None:
    """prefer-conda over pip's copy of a package conda runs on (here six, made
    one for the test): pip's metadata goes, conda's reinstall writes the
    files; no ``pip uninstall``."""
    import reconcile.plan as plan_module

    prefix = _copy(lab, "pip-upgrades-conda-package", tmp_path)
    code, doc = _plan_json(capsys, lab, prefix, "prefer-conda")
    assert any("uninstall" in s["args"] for s in doc["steps"])
    monkeypatch.setattr(plan_module, "conda_runtime",
                        lambda graph: frozenset({"conda", "python", "six"}))  # fmt: skip
    code, doc = _plan_json(capsys, lab, prefix, "prefer-conda")
    assert code == 0
    assert not any("uninstall" in s["args"] for s in doc["steps"])
    [rm] = [s for s in doc["steps"] if s["tool"] == "remove"]
    assert [Path(a).name for a in rm["args"]] == ["six-1.17.0.dist-info"]
    assert doc["steps"][-1]["tool"] == "conda"


# ---------------------------------------------------------------------------
# 2. every plan of the lab and of the real writers, checked independently


def _copy(lab, scenario: str, tmp_path: Path) -> Path:
    prefix = tmp_path / "env"
    shutil.copytree(lab.prefix(scenario), prefix, symlinks=True)
    return prefix


def _plan_json(capsys, lab, prefix: Path, strategy: str) -> tuple[int, dict]:
    code = main(["plan", str(prefix), "--format", "json", "--find-links", str(lab.wheels),
                 "--strategy", strategy])  # fmt: skip
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    doc = json.loads(out)
    # exit 1 exactly when no consistent plan exists or an error is left unrepaired
    stuck = any(u["finding"]["severity"] == "error" for u in doc["unresolved"])
    assert code == (0 if doc["possible"] and not stuck else 1), err
    return code, doc


def _records(prefix: Path) -> list[dict]:
    out = []
    for path in sorted((prefix / "conda-meta").glob("*.json")):
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("name"), str):
            out.append(doc)
    return out


def _spec_name(spec: str) -> str:
    return canonicalize_name(re.split(r"[\s=<>!~]", spec.split("::")[-1], maxsplit=1)[0])


def _dist_name(folder: str) -> str:
    return canonicalize_name(folder.rsplit(".", 1)[0].split("-", 1)[0])


def _answered(step: dict, records: list[dict]) -> set[str]:
    """The step's packages, with conda's and PyPI's names for each (a conda
    record's files name its dist-info folders)."""
    names = {canonicalize_name(a.split(":", 1)[1]) for a in step["answers"]}
    for rec in records:
        folders = {
            _dist_name(part) for f in rec.get("files", []) for part in f.split("/")
            if part.endswith((".dist-info", ".egg-info"))
        }  # fmt: skip
        if canonicalize_name(rec["name"]) in names or folders & names:
            names |= folders | {canonicalize_name(rec["name"])}
    return names


def _conda_runtime(records: list[dict]) -> set[str]:
    by_name = {canonicalize_name(r["name"]): r for r in records}
    names, todo = {"conda", "python"}, ["conda"] if "conda" in by_name else []
    while todo:
        rec = by_name.get(todo.pop())
        for dep in rec.get("depends", []) if rec else []:
            name = _spec_name(dep)
            if name not in names:
                names.add(name)
                todo.append(name)
    return names


def _pip_verb(args: list[str]) -> str | None:
    if "-m" not in args:
        return None
    module = args[args.index("-m") + 1]
    return module if module != "pip" else args[args.index("-m") + 2]


def test_conda_remove_of_a_record_that_holds_other_dists_is_refused() -> None:
    # defaults' pyqt holds PyQt5 and PyQt5_sip: removing it for PyQt5_sip's
    # sake deletes PyQt5 too.
    pyqt = CondaRecord(
        name="pyqt", version="5.15.2", build="py312_0",
        paths=tuple(CondaPath(f"{SITE}/{d}-1.0.dist-info/METADATA") for d in ("six", "attrs")),
    )  # fmt: skip
    graph = _graph(records=(pyqt,))
    remove = Step(tool="conda", args=("conda", "remove", "-p", "/env", "--yes", "--force", "pyqt"),
                  answers=("pip-removed-conda:six",), why="t")  # fmt: skip
    assert ("conda-remove-holds-others", 0) in _rules(_plan(remove), graph)
    both = Step(tool="conda", args=remove.args, why="t",
                answers=("pip-removed-conda:six", "pip-removed-conda:attrs"))  # fmt: skip
    assert ("conda-remove-holds-others", 0) not in _rules(_plan(both), graph)


def violations(doc: dict, prefix: Path) -> list[str]:
    """The issue's rules, read off the plan's JSON and the disk."""
    bad: list[str] = []
    real_prefix = os.path.realpath(prefix)
    records = _records(prefix)
    protected = _conda_runtime(records)
    gone: set[str] = set()
    for n, step in enumerate(doc["steps"], 1):
        args = step["args"]
        if step["tool"] == "remove":
            answered = _answered(step, records)
            for path in args:
                rel = os.path.relpath(path, doc["prefix"])
                real = os.path.realpath(path)
                if rel.startswith("..") or os.path.commonpath([real, real_prefix]) != real_prefix:
                    bad.append(f"{n}: {path} leaves the prefix")
                    continue
                parent = os.path.dirname(rel)
                want = os.path.join(real_prefix, parent).rstrip("/")
                if os.path.realpath(os.path.join(prefix, parent)) != want:
                    bad.append(f"{n}: {path} goes through a symlinked folder")
                full = prefix / rel
                if rel in (".", "") or full.name in ("site-packages", "dist-packages") or (
                    full.is_dir() and not full.is_symlink()
                    and any("site-packages" in d for _, d, _ in os.walk(full))
                ):  # fmt: skip
                    bad.append(f"{n}: {path} is or holds a site-packages")
                parts = rel.split("/")
                meta = [p for p in parts if p.endswith((".dist-info", ".egg-info"))]
                if meta and _dist_name(meta[0]) not in answered:
                    bad.append(f"{n}: {path} is metadata of {meta[0]}, not answered")
                if parts[0] == "conda-meta" and len(parts) == 2:
                    try:
                        name = json.loads(full.read_text("utf-8"))["name"]
                    except (OSError, ValueError, KeyError, TypeError):
                        name = parts[1].rsplit("-", 2)[0]
                    if canonicalize_name(str(name)) not in answered:
                        bad.append(f"{n}: {path} is conda's record of {name}, not answered")
        elif step["tool"] == "pip":
            verb = _pip_verb(args)
            if verb not in (None, "ensurepip") and gone:
                bad.append(f"{n}: runs pip after {sorted(gone)} went")
            if verb == "ensurepip":
                gone.discard("pip")
            if verb == "uninstall":
                names = {canonicalize_name(a) for a in args[args.index("uninstall") + 1:]
                         if not a.startswith("-")}  # fmt: skip
                bad += [f"{n}: pip uninstall {x}" for x in sorted(names & protected)]
                gone |= names & {"pip", "setuptools", "wheel"}
        elif step["tool"] == "conda":
            names = {_spec_name(a) for a in args[2:]
                     if not a.startswith("-") and a != doc["prefix"]}  # fmt: skip
            if args[1] == "remove":
                gone |= names & {"pip", "setuptools", "wheel"}
                # conda remove --force deletes every path of the record: no
                # dist-info there may belong to a distribution not answered for
                answered = {canonicalize_name(a.split(":", 1)[1]) for a in step["answers"]}
                for record in records:
                    if canonicalize_name(record["name"]) not in names:
                        continue
                    for path in record.get("files", []):
                        meta = next((p for p in path.split("/") if p.endswith(".dist-info")), None)
                        folder = prefix / path.split(f"/{meta}", 1)[0] / meta if meta else None
                        if folder and folder.exists() and _dist_name(meta) not in answered:
                            bad.append(f"{n}: conda remove {record['name']} deletes {meta}")
            else:
                gone -= names
        elif step["tool"] == "pixi":
            gone -= {canonicalize_name(r["name"]) for r in records}
    return bad


def test_the_independent_check_catches_what_it_should(tmp_path: Path) -> None:
    """The test's own rules are not vacuous: each catches a bad plan."""
    site = tmp_path / "lib/python3.12/site-packages"
    (site / "six-1.0.dist-info").mkdir(parents=True)
    (site / "attrs-1.0.dist-info").mkdir()
    (tmp_path / "lib/python3.1").symlink_to("python3.12")
    py = str(tmp_path / "bin/python")

    def doc(*steps):
        return {"prefix": str(tmp_path), "steps": [
            {"tool": t, "args": list(a), "answers": ["x:six"]} for t, a in steps]}  # fmt: skip

    cases = [
        doc(("remove", [str(tmp_path / "lib")])),
        doc(("remove", [str(site)])),
        doc(("remove", ["/etc"])),
        doc(("remove", [str(tmp_path / "lib/python3.1/site-packages/six-1.0.dist-info")])),
        doc(("remove", [str(site / "attrs-1.0.dist-info")])),
        doc(("pip", [py, "-m", "pip", "uninstall", "--yes", "conda"])),
        doc(("pip", [py, "-m", "pip", "uninstall", "--yes", "pip"]),
            ("pip", [py, "-m", "pip", "install", "six==1"])),
    ]  # fmt: skip
    for case in cases:
        assert violations(case, tmp_path), case
    assert not violations(doc(("remove", [str(site / "six-1.0.dist-info")])), tmp_path)
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "pyqt-1.0-0.json").write_text(json.dumps({
        "name": "pyqt", "files": [f"lib/python3.12/site-packages/{d}-1.0.dist-info/METADATA"
                                  for d in ("six", "attrs")]}))  # fmt: skip
    remove_pyqt = ("conda", ["conda", "remove", "-p", str(tmp_path), "--force", "pyqt"])
    assert violations(doc(remove_pyqt), tmp_path)  # deletes attrs, not answered for
    both = doc(remove_pyqt)
    both["steps"][0]["answers"].append("x:attrs")
    assert not violations(both, tmp_path)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_lab_plan_keeps_the_rules(lab, scenario, strategy, capsys, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(lab.home(scenario)))
    prefix = lab.prefix(scenario)
    _, doc = _plan_json(capsys, lab, prefix, strategy)
    assert violations(doc, prefix) == [], json.dumps(doc["steps"], indent=1)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in REAL_WRITERS])
def test_every_real_writer_plan_keeps_the_rules(lab, case, strategy, capsys, monkeypatch,
                                                tmp_path) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = case / "prefix"
    code = main(["plan", str(prefix), "--format", "json", "--find-links", str(lab.wheels),
                 "--strategy", strategy, "--no-cache"])  # fmt: skip
    out, err = capsys.readouterr()
    if code == 2:  # a prefix that was not read in full: no plan at all
        assert out == "" and "not read in full" in err, err
        return
    doc = json.loads(out)
    assert violations(doc, prefix) == [], json.dumps(doc["steps"], indent=1)


# ---------------------------------------------------------------------------
# 3. a prefix that cannot be read gets no plan


def _no_plan(capsys, lab, prefix: Path, words: str) -> None:
    for argv in (["plan", str(prefix), "--format", "json"],
                 ["fix", str(prefix), "--dry-run"]):  # fmt: skip
        code = main([*argv, "--find-links", str(lab.wheels), "--no-cache"])
        out, err = capsys.readouterr()
        assert code == 2, (argv, out, err)
        assert out == "" and words in err and "Traceback" not in err, err


def test_unlistable_site_packages_gets_no_plan(lab, tmp_path, capsys, monkeypatch) -> None:
    """Mode 000 on site-packages.  root reads it anyway, so as root the folder
    is made unreadable in this process instead: os.scandir raises
    PermissionError for it, as it does for any other user."""
    isolate(lab, tmp_path, monkeypatch)
    prefix = _copy(lab, "stale-dist-info", tmp_path)
    site = prefix / "lib" / "python3.11" / "site-packages"
    if os.geteuid() == 0:
        real_scandir = os.scandir

        def scandir(path=".", *a, **kw):
            if os.fspath(path) == str(site):
                raise PermissionError(13, "Permission denied", str(site))
            return real_scandir(path, *a, **kw)

        monkeypatch.setattr(os, "scandir", scandir)
        _no_plan(capsys, lab, prefix, "cannot list")
    else:
        site.chmod(0)
        try:
            _no_plan(capsys, lab, prefix, "cannot list")
        finally:
            site.chmod(0o755)


def test_conda_meta_of_lfs_pointers_gets_no_plan(lab, tmp_path, capsys, monkeypatch) -> None:
    isolate(lab, tmp_path, monkeypatch)
    prefix = _copy(lab, "pip-upgrades-conda-package", tmp_path)
    for record in (prefix / "conda-meta").glob("*.json"):
        record.write_text("version https://git-lfs.github.com/spec/v1\n"
                          f"oid sha256:{'0' * 64}\nsize 1234\n")  # fmt: skip
    _no_plan(capsys, lab, prefix, "Git LFS")


def test_one_lfs_pointer_gets_no_plan(lab, capsys, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = HERE / "real_writers" / "10-conda-meta-git-lfs-pointer" / "prefix"
    code = main(["plan", str(prefix), "--format", "json", "--offline", "--no-cache"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "git lfs pull" in err, err


def test_no_records_at_all_gets_no_plan(lab, tmp_path, capsys, monkeypatch) -> None:
    isolate(lab, tmp_path, monkeypatch)
    prefix = _copy(lab, "pip-upgrades-conda-package", tmp_path)
    for record in (prefix / "conda-meta").glob("*.json"):
        record.unlink()
    _no_plan(capsys, lab, prefix, "no conda record")


# ---------------------------------------------------------------------------
# 4. the sh plan: valid, quoted, and the same steps as fix --dry-run


def _sh_steps(script: str) -> list[tuple[int, str]]:
    """(step number, command line) of each step of a plan_sh script."""
    lines = script.splitlines()
    out = []
    for i, line in enumerate(lines):
        m = re.match(r"# (\d+)\. answers:", line)
        if m:
            out.append((int(m.group(1)), lines[i + 2]))
    return out


def _argv(command: str, constraints: str) -> list[str]:
    words = shlex.split(command)
    if words[:3] == ["rm", "-rf", "--"]:
        words = ["rm", "-rf", *words[3:]]
    return [constraints if w == "$CONSTRAINTS" else w for w in words]


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_sh_plan_is_valid_quoted_and_matches_fix_dry_run(lab, scenario, strategy, tmp_path,
                                                         capsys, monkeypatch) -> None:  # fmt: skip
    isolate(lab, tmp_path, monkeypatch)
    prefix = _copy(lab, scenario, tmp_path)
    shutil.copytree(lab.home(scenario), tmp_path / "home", symlinks=True, dirs_exist_ok=True)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    opts = ["--find-links", str(lab.wheels), "--strategy", strategy]
    plan_code, doc = _plan_json(capsys, lab, prefix, strategy)
    main(["plan", str(prefix), "--format", "sh", *opts])
    script = capsys.readouterr().out
    path = tmp_path / "repair.sh"
    path.write_text(script)
    assert subprocess.run(["bash", "-n", str(path)], check=False).returncode == 0
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if os.environ.get("CI"):
            pytest.fail("shellcheck is missing on CI (.ci/run installs it)")
    else:
        result = subprocess.run([shellcheck, str(path)], capture_output=True, text=True,
                                check=False)  # fmt: skip
        assert result.returncode == 0, result.stdout

    steps = _sh_steps(script)
    if not doc["possible"]:  # no consistent repair: the script runs no step, fix refuses
        assert steps == [] and "\nexit 1\n" in script
        assert main(["fix", str(prefix), "--dry-run", *opts]) == 1
        assert "fix refused" in capsys.readouterr().err
        return
    assert [n for n, _ in steps] == list(range(1, len(doc["steps"]) + 1))
    for (_, line), step in zip(steps, doc["steps"], strict=True):
        want = (["rm", "-rf"] if step["tool"] == "remove" else []) + step["args"]
        assert _argv(line, CONSTRAINTS) == want, line
        for arg in step["args"]:
            if "/" in arg:  # every path, single-quoted as it is
                assert f"'{arg}'" in line, (arg, line)

    assert main(["fix", str(prefix), "--dry-run", *opts]) == plan_code
    text = capsys.readouterr().out
    shown = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^(\d+)\. (.*)$", text, re.M)]
    assert [n for n, _ in shown] == [n for n, _ in steps]
    for (_, dry), (_, line) in zip(shown, steps, strict=True):
        assert _argv(dry, "pip-constraints.txt") == _argv(line, "pip-constraints.txt")
