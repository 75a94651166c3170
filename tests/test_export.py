"""export: the environment spec built from the graph (reconcile/export.py) and
its rendering (reconcile/render/env.py; the file itself in test_render_env.py),
on small in-memory states and on hand-made prefixes; the committed demo through
the CLI.

The lab round trip and pip's own acceptance of every exported pip section are
in test_export_lab.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import corpus_cases
import pytest
import yaml
from conftest import CORPUS
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from reconcile.cli import main
from reconcile.discover._dists import read_site_packages
from reconcile.export import (
    ExportImpossible,
    ExportOptions,
    RepairRequest,
    build_spec,
    pip_line,
    relative_reference,
    requested_specs,
)
from reconcile.graph import Graph, build_graph
from reconcile.models import (
    CondaPath,
    CondaRecord,
    Depth,
    DirectUrl,
    HistoryRevision,
    InstalledDist,
    PrefixState,
    PythonInfo,
    SitePackages,
)
from reconcile.render.env import constraints_txt

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo" / "prefix"
SITE = "lib/python3.11/site-packages"
CF = "https://conda.anaconda.org/conda-forge/noarch"


# ---------------------------------------------------------------------------
# in-memory states


def dist(
    name: str,
    version: str,
    *requires: str,
    installer: str = "pip",
    requested: bool = False,
    direct_url: DirectUrl | None = None,
    requires_python: str | None = None,
    kind: str = "dist-info",
    editable_target: str | None = None,
) -> InstalledDist:
    from packaging.specifiers import SpecifierSet

    return InstalledDist(
        name=canonicalize_name(name),
        raw_name=name,
        version=Version(version),
        version_text=version,
        path=f"{SITE}/{name.replace('-', '_')}-{version}.dist-info",
        kind=kind,
        installer=installer,
        requested=requested,
        requires=tuple(Requirement(r) for r in requires),
        requires_python=SpecifierSet(requires_python) if requires_python else None,
        direct_url=direct_url,
        editable_target=editable_target,
    )


def conda(
    name: str,
    version: str,
    build: str = "py_0",
    *,
    depends: tuple[str, ...] = (),
    owns: InstalledDist | str | None = None,
    channel: str | None = CF,
    requested: tuple[str, ...] = (),
) -> CondaRecord:
    folder = owns.path if isinstance(owns, InstalledDist) else owns
    return CondaRecord(
        name=name,
        version=version,
        build=build,
        depends=depends,
        channel=channel,
        paths=(CondaPath(f"{folder}/METADATA"),) if folder else (),
        requested_specs=requested,
        source=f"conda-meta/{name}-{version}-{build}.json",
    )


def graph(
    *dists: InstalledDist,
    records: tuple[CondaRecord, ...] = (),
    history: tuple[HistoryRevision, ...] = (),
    prefix: str = "/envs/work",
) -> Graph:
    py = PythonInfo(
        version=Version("3.11.7"), site_packages=SITE, platform="linux-64", source="test"
    )
    state = PrefixState(
        prefix=Path(prefix),
        depth=Depth.QUICK,
        records=records,
        history=history,
        python=py,
        site_packages=SitePackages(path=SITE, dists=dists),
    )
    return build_graph(state)


def python_record() -> CondaRecord:
    return conda(
        "python",
        "3.11.7",
        "h1_0_cpython",
        channel="https://conda.anaconda.org/conda-forge/linux-64",
    )


def stack() -> Graph:
    """conda's python + requests + six; pip's attrs (requested) and its
    dependency, an editable project, and a VCS install."""
    requests = dist("requests", "2.32.3", "idna>=2.5", installer="conda")
    six = dist("six", "1.16.0", installer="conda")
    idna = dist("idna", "3.10", installer="conda")
    return graph(
        requests,
        six,
        idna,
        dist("attrs", "24.2.0", "tzdata", requested=True),
        dist("tzdata", "2024.1"),
        dist(
            "proj",
            "0.1.0",
            requested=True,
            direct_url=DirectUrl(url="file:///src/proj", editable=True),
            editable_target="/src/proj",
        ),
        dist(
            "tool",
            "1.2",
            requested=True,
            direct_url=DirectUrl(
                url="https://github.com/o/tool.git", vcs="git", commit_id="abc123"
            ),
        ),
        records=(
            python_record(),
            conda("requests", "2.32.3", depends=("python", "idna"), owns=requests),
            conda("idna", "3.10", depends=("python",), owns=idna),
            conda("six", "1.16.0", depends=("python",), owns=six),
        ),
        history=(
            HistoryRevision(
                date="2024-01-01 00:00:00",
                update_specs=("python=3.11", "conda-forge::requests"),
                added=("+conda-forge::python-3.11.7-h1_0_cpython",),
            ),
            HistoryRevision(date="2024-01-02 00:00:00", update_specs=("six",)),
        ),
    )


# ---------------------------------------------------------------------------
# conda side


def test_history_mode_takes_the_requested_specs():
    spec = build_spec(stack())
    assert spec.mode == "history"
    assert spec.conda == ("python=3.11", "conda-forge::requests", "six")
    assert "conda adds one" in " ".join(spec.notes)  # no conda pip to name
    assert "history" in spec.conda_from


def test_history_replay_removes_and_neuters_as_conda_does():
    records = tuple(conda(n, "1.0") for n in ("numpy", "scipy", "pandas", "gone"))
    g = graph(
        records=records,
        history=(
            HistoryRevision(date="1", update_specs=("numpy=1.0", "scipy", "gone")),
            HistoryRevision(date="2", update_specs=("pandas",), remove_specs=("scipy",)),
            HistoryRevision(date="3", update_specs=("numpy",), neutered_specs=("numpy=1.*",)),
            HistoryRevision(date="4", update_specs=("notinstalled",)),
        ),
    )
    # "gone" stays: it is installed.  "notinstalled" is not.
    assert requested_specs(g) == {"numpy": "numpy=1.*", "pandas": "pandas", "gone": "gone"}


def test_token_channels_in_specs_are_short_names():
    g = graph(
        records=(conda("pkg", "1.0"),),
        history=(
            HistoryRevision(
                date="1", update_specs=("https://conda.anaconda.org/t/tk-SECRET/private::pkg",)
            ),
        ),
    )
    assert requested_specs(g) == {"pkg": "private::pkg"}


def test_without_history_the_records_requested_specs_are_used():
    g = graph(records=(conda("numpy", "1.26.4", requested=("numpy >=1.26",)), conda("libx", "1")))
    spec = build_spec(g)
    assert spec.conda == ("numpy >=1.26",)


def test_without_any_request_the_leaves_and_python_are_pinned():
    g = graph(
        records=(
            python_record(),
            conda("requests", "2.32.3", depends=("python", "idna")),
            conda("idna", "3.10", depends=("python",)),
        )
    )
    spec = build_spec(g)
    assert spec.conda == ("python=3.11.7", "requests=2.32.3")
    assert "nothing else depends on" in spec.conda_from


@pytest.mark.parametrize(
    ("builds", "expected"),
    [
        pytest.param(True, "requests=2.32.3=py_0", id="builds"),
        pytest.param(False, "requests=2.32.3", id="no-builds"),
    ],
)
def test_pinned_mode_pins_every_record(builds, expected):
    spec = build_spec(stack(), ExportOptions(pinned=True, builds=builds))
    assert expected in spec.conda
    assert len(spec.conda) == 4


def test_channels_in_the_order_the_env_used_them_without_credentials():
    g = graph(
        records=(
            conda("a", "1", channel="https://conda.anaconda.org/t/tk-SECRET/private/noarch"),
            conda("b", "1", channel="https://repo.anaconda.com/pkgs/main/linux-64"),
            conda("c", "1", channel="https://repo.anaconda.com/pkgs/r/noarch"),
            conda("d", "1", channel="https://user:hunter2@my.host/chan/linux-64"),
            conda("e", "1", channel=None),
        ),
        history=(HistoryRevision(date="1", added=("pkgs/main::b-1-0", "private::a-1-0")),),
    )
    assert build_spec(g).channels == ("defaults", "private", "https://my.host/chan")


# ---------------------------------------------------------------------------
# pip side


def test_history_mode_pip_section_holds_what_the_user_asked_for():
    spec = build_spec(stack())
    assert [p.line for p in spec.pip] == [
        "attrs==24.2.0",
        "-e /src/proj",
        "tool @ git+https://github.com/o/tool.git@abc123",
    ]


def test_pinned_mode_pip_section_holds_every_pip_package():
    spec = build_spec(stack(), ExportOptions(pinned=True))
    assert [p.name for p in spec.pip] == ["attrs", "proj", "tool", "tzdata"]


def test_unrequested_package_nothing_requires_is_kept():
    g = graph(
        dist("leftover", "1.0"), dist("dep", "2.0"), dist("app", "1.0", "dep", requested=True)
    )
    assert [p.name for p in build_spec(g).pip] == ["app", "leftover"]


@pytest.mark.parametrize(
    ("installed", "kind", "line"),
    [
        pytest.param(dist("a", "1.0"), "index", "a==1.0", id="index"),
        pytest.param(dist("a", "1.8.2+cu111"), "index", "a==1.8.2+cu111", id="local-version"),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(url="file:///w/a", editable=True)),
            "editable", "-e /w/a", id="editable-pep660",
        ),
        pytest.param(
            dist("a", "1.0", kind="egg-link", editable_target="/w/a"),
            "editable", "-e /w/a", id="egg-link",
        ),
        pytest.param(
            dist("a", "1.0", editable_target="/w/a/src"),
            "editable", "-e /w/a/src", id="pth-editable",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(
                url="https://oauth2:SECRET@gitlab.com/o/a.git", vcs="git", commit_id="c0ffee",
                requested_revision="main", subdirectory="pkg")),
            "vcs", "a @ git+https://gitlab.com/o/a.git@c0ffee#subdirectory=pkg", id="vcs-token",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(
                url="ssh://git@github.com/o/a.git", vcs="git", commit_id="c0ffee")),
            "vcs", "a @ git+ssh://git@github.com/o/a.git@c0ffee", id="vcs-ssh-login-kept",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(
                url="file:///srv/repo", vcs="git", commit_id="c0ffee", subdirectory="pkg")),
            "vcs", "git+file:///srv/repo@c0ffee#egg=a&subdirectory=pkg", id="vcs-local-repo",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(
                url="https://u:p@files.example/a-1.0.tar.gz?token=SECRET&x=1",
                archive_hash="sha256=ab12")),
            "archive", "a @ https://files.example/a-1.0.tar.gz?x=1#sha256=ab12", id="archive",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(url="file:///w/a-1.0-py3-none-any.whl")),
            "archive", "a @ file:///w/a-1.0-py3-none-any.whl", id="local-archive-no-hash",
        ),
        pytest.param(
            dist("a", "1.0", direct_url=DirectUrl(url="file:///w/a%20dir")),
            "local", "/w/a dir", id="local-dir",
        ),
    ],
)  # fmt: skip
def test_pip_line_is_what_pip_can_reinstall(installed, kind, line):
    assert pip_line(installed) == (kind, line)


@pytest.mark.corpus
def test_pip_lines_from_real_pep610_records():
    """Poetry's fixtures hold real direct_url.json files of every PEP 610 kind."""
    assert CORPUS is not None
    base = CORPUS / "python-poetry__poetry/tests/repositories/fixtures/installed"
    site, _ = read_site_packages(str(base), "lib/python3.7/site-packages")
    lines = {d.name: pip_line(d) for d in site.dists if d.direct_url is not None}
    assert lines["git-pep-610"] == (
        "vcs",
        "git-pep-610 @ git+https://github.com/demo/git-pep-610.git@123456",
    )
    assert lines["git-pep-610-subdirectory"][1].endswith("@123456#subdirectory=subdir")
    assert lines["url-pep-610"] == (
        "archive",
        "url-pep-610 @ https://mock.pythonhosted.org/distributions/url-pep-610-1.2.3.tar.gz",
    )
    assert lines["file-pep-610"] == (
        "archive",
        "file-pep-610 @ file:///path/to/distributions/file-pep-610-1.2.3.tar.gz"
        "#sha256=2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
    )
    assert lines["directory-pep-610"] == ("local", "/path/to/distributions/directory-pep-610")
    assert lines["editable-directory-pep-610"] == (
        "editable", "-e /path/to/distributions/directory-pep-610")  # fmt: skip


# ---------------------------------------------------------------------------
# constraints and the repaired env


def test_constraints_pin_conda_python_packages_at_condas_version():
    six_pip = dist("six", "1.17.0")
    g = graph(
        six_pip,
        records=(conda("six", "1.16.0", owns=f"{SITE}/six-1.16.0.dist-info"), python_record()),
    )
    spec = build_spec(g, ExportOptions(constraints="pip-constraints.txt"))
    assert [(c.name, c.version) for c in spec.constraints] == [("six", "1.16.0")]
    assert spec.pip == ()  # pip's six is conda's six, restored
    (change,) = spec.changes
    assert (change.name, change.installed, change.exported) == (
        "six",
        "1.17.0 (pip)",
        "1.16.0 (conda)",
    )
    text = constraints_txt(spec)
    assert text.splitlines()[-1] == "six==1.16.0"
    assert text.startswith("# pip constraints written by reconcile")


def test_constraints_reference_comes_first_in_the_pip_section():
    spec = build_spec(stack(), ExportOptions(constraints="../c/pip-constraints.txt"))
    assert spec.pip_section[0] == "-c ../c/pip-constraints.txt"


@pytest.mark.parametrize(
    ("yml", "target", "ref"),
    [
        pytest.param("out/env.yml", "out/pc.txt", "pc.txt", id="same-folder"),
        pytest.param("out/env.yml", "pc.txt", "../pc.txt", id="parent"),
        pytest.param(None, "sub/pc.txt", "sub/pc.txt", id="stdout"),
    ],
)
def test_constraints_reference_is_relative_to_the_yml(tmp_path, yml, target, ref):
    assert relative_reference(target, yml, str(tmp_path)) == ref


def _conflicted() -> Graph:
    """conda's urllib3 1.26; pip's stubs 2.0 need urllib3>=2 (and pip put 2.2 over conda's)."""
    ur_pip = dist("urllib3", "2.2.3")
    return graph(
        ur_pip,
        dist("types-requests", "2.0", "urllib3>=2", requested=True),
        records=(
            python_record(),
            conda("urllib3", "1.26.20", owns=f"{SITE}/urllib3-1.26.20.dist-info"),
        ),
    )


def test_conflict_without_a_repair_is_impossible():
    with pytest.raises(ExportImpossible) as info:
        build_spec(_conflicted())
    assert info.value.explanations == (
        "types-requests 2.0 requires urllib3>=2; conda's urllib3 is 1.26.20",
    )


def test_repair_moves_pip_packages_to_versions_that_fit():
    seen: list[RepairRequest] = []

    def repair(g: Graph, request: RepairRequest) -> dict:
        seen.append(request)
        return {canonicalize_name("types-requests"): Version("1.9")}

    spec = build_spec(_conflicted(), repair=repair)
    (request,) = seen
    assert [str(r) for r in request.requirements] == ["types-requests"]
    assert request.prefer == {"types-requests": Version("2.0")}
    assert request.conda["urllib3"][0] == Version("1.26.20")
    assert [p.line for p in spec.pip] == ["types-requests==1.9"]
    assert {c.name: (c.installed, c.exported) for c in spec.changes} == {
        "types-requests": ("2.0", "1.9"),
        "urllib3": ("2.2.3 (pip)", "1.26.20 (conda)"),
    }


@pytest.mark.parametrize(
    "pinned", [pytest.param(False, id="history"), pytest.param(True, id="pinned")]
)
def test_what_the_repaired_versions_newly_need_is_written_only_when_pinned(pinned):
    """The history mode leaves dependencies to pip; the pinned mode writes
    every pip distribution, those the repair brought in too."""

    def repair(g: Graph, request: RepairRequest) -> dict:
        return {
            canonicalize_name("types-requests"): Version("1.9"),
            canonicalize_name("types-urllib3"): Version("1.26.25"),
            canonicalize_name("urllib3"): Version("1.26.20"),  # conda's: never a pip line
        }

    spec = build_spec(_conflicted(), ExportOptions(pinned=pinned), repair=repair)
    added = [("types-urllib3==1.26.25", "index", "1.26.25")] if pinned else []
    assert [(p.line, p.kind, p.version) for p in spec.pip] == [
        ("types-requests==1.9", "index", "1.9"),
        *added,
    ]
    changes = {c.name: (c.installed, c.exported, c.why) for c in spec.changes}
    assert changes.get("types-urllib3") == (
        (None, "1.26.25", "needed by pip's packages at their repaired versions") if pinned else None
    )
    assert [c.name for c in spec.changes] == sorted(changes)


def test_repair_that_fails_explains():
    def repair(g: Graph, request: RepairRequest) -> dict:
        raise ExportImpossible(["no types-requests fits urllib3 1.26.20 at https://u:SECRET@x/"])

    with pytest.raises(ExportImpossible) as info:
        build_spec(_conflicted(), repair=repair)
    assert "SECRET" not in " ".join(info.value.explanations)


def test_requires_python_the_env_lacks_is_a_conflict():
    g = graph(dist("old", "1.0", requires_python="<3", requested=True), records=(python_record(),))
    with pytest.raises(ExportImpossible, match="cannot export"):
        build_spec(g)


# ---------------------------------------------------------------------------
# the command line


def test_demo_export_explains_why_nothing_is_written(capsys, tmp_path, monkeypatch):
    """The demo's types-requests needs urllib3>=2; the repaired env restores
    conda's urllib3 1.26.20 and no types-requests in reach fits it."""
    monkeypatch.setenv("HOME", str(tmp_path))
    out_file, cons = tmp_path / "environment.yml", tmp_path / "pc.txt"
    code = main(["export", str(DEMO), "-o", str(out_file), "--constraints", str(cons)])
    out, err = capsys.readouterr()
    assert code == 1
    assert not out_file.exists() and not cons.exists()
    assert "nothing written" in err and "types-requests" in err and "urllib3" in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--no-builds"], "--no-builds needs --pinned", id="no-builds-alone"),
        pytest.param(["-o", "x.yml", "--constraints", "x.yml"], "same file", id="same-file"),
        pytest.param(["-o", "/nonexistent/dir/x.yml", "--pinned"], "cannot write", id="unwritable"),
    ],
)
def test_export_usage_errors_are_one_line(capsys, tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    prefix = make_prefix(tmp_path / "env")
    code = main(["export", str(prefix), *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    if message:
        assert message in err


# ---------------------------------------------------------------------------
# a hand-made prefix with credentials planted everywhere

SECRETS = ("tk-PLANTED-1", "hunter2-PLANTED", "ghp_PLANTED", "sig-PLANTED", "pipconf-PLANTED")


def _write_dist(site: Path, name: str, version: str, *, installer: str, extra: dict) -> str:
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (folder / "INSTALLER").write_text(installer + "\n")
    for member, content in extra.items():
        (folder / member).write_text(content)
    rows = [f"{name}-{version}.dist-info/{m}," for m in ("METADATA", "INSTALLER", *extra)]
    (folder / "RECORD").write_text("\n".join(rows) + f"\n{name}-{version}.dist-info/RECORD,,\n")
    return f"{SITE}/{folder.name}"


def make_prefix(root: Path, *, conflict: bool = False) -> Path:
    """A conda env with a token channel, and pip installs whose PEP 610 records
    carry a password, a token user and a signed URL.  With ``conflict``, a pip
    package also needs a six conda's cannot be, so export must resolve."""
    site = root / SITE
    site.mkdir(parents=True)
    meta = root / "conda-meta"
    meta.mkdir()
    token_channel = "https://conda.anaconda.org/t/tk-PLANTED-1/private/noarch"
    six = _write_dist(site, "six", "1.16.0", installer="conda", extra={})
    records = [
        ("python", "3.11.7", "0", "https://user:hunter2-PLANTED@repo.example/main/linux-64", []),
        ("six", "1.16.0", "py_0", token_channel, [f"{six}/METADATA"]),
    ]
    for name, version, build, channel, files in records:
        (meta / f"{name}-{version}-{build}.json").write_text(
            json.dumps(
                {
                    "name": name,
                    "version": version,
                    "build": build,
                    "build_number": 0,
                    "channel": channel,
                    "url": f"{channel}/{name}-{version}-{build}.conda",
                    "subdir": "linux-64",
                    "depends": [],
                    "files": files,
                }
            )
        )
    (meta / "history").write_text(
        "==> 2024-01-01 00:00:00 <==\n# cmd: conda create\n"
        f"+{token_channel.rsplit('/', 1)[0]}::six-1.16.0-py_0\n"
        f"# update specs: ['python=3.11', '{token_channel.rsplit('/', 1)[0]}::six']\n"
    )
    direct = {
        "vcsdist": {
            "url": "https://ghp_PLANTED@github.com/o/vcsdist.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc123"},
        },
        "archdist": {
            "url": "https://me:hunter2-PLANTED@files.example/archdist-1.0.tar.gz?sig=sig-PLANTED",
            "archive_info": {"hashes": {"sha256": "ab" * 32}},
        },
    }
    for name, record in direct.items():
        _write_dist(site, name, "1.0", installer="pip",
                    extra={"direct_url.json": json.dumps(record), "REQUESTED": ""})  # fmt: skip
    _write_dist(site, "plain", "2.0", installer="pip", extra={"REQUESTED": ""})
    if conflict:
        folder = (
            site / _write_dist(site, "needsix", "1.0", installer="pip", extra={}).split("/")[-1]
        )
        with (folder / "METADATA").open("a") as fh:
            fh.write("Requires-Dist: six>=2\n")
    (root / "pip.conf").write_text(
        "[global]\nindex-url = https://u:pipconf-PLANTED@pypi.example/simple\n"
    )
    return root


def test_no_credential_reaches_any_output(capsys, tmp_path, monkeypatch):
    prefix = make_prefix(tmp_path / "env")
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nextra-index-url = https://x:pipconf-PLANTED@pypi.example/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    monkeypatch.setenv("PIP_INDEX_URL", "https://y:pipconf-PLANTED@pypi.example/simple")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    outputs = []
    for i, mode in enumerate(([], ["--pinned"], ["--pinned", "--no-builds"])):
        yml, cons = tmp_path / f"env{i}.yml", tmp_path / f"pc{i}.txt"
        code = main(["export", str(prefix), *mode, "-o", str(yml), "--constraints", str(cons)])
        out, err = capsys.readouterr()
        assert code == 0, err
        outputs += [out, err, yml.read_text(), cons.read_text()]
        for fmt in ("text", "json"):
            main(["compare", str(prefix), str(yml), "--format", fmt])
            outputs += list(capsys.readouterr())
    assert main(["export", str(prefix)]) == 0
    stdout = capsys.readouterr().out
    outputs.append(stdout)
    # the resolver runs (and reads pip's configuration) when pip's side must move
    broken = make_prefix(tmp_path / "broken", conflict=True)
    assert main(["export", str(broken), "--pinned"]) == 1
    out, err = capsys.readouterr()
    assert "needsix" in err and "six" in err
    outputs += [out, err]
    everything = "\n".join(outputs)
    for secret in SECRETS:
        assert secret not in everything
    data = yaml.safe_load(stdout)
    assert data["channels"] == ["private", "https://repo.example/main"]
    assert "private::six" in data["dependencies"]
    pip = data["dependencies"][-1]["pip"]
    assert "vcsdist @ git+https://github.com/o/vcsdist.git@abc123" in pip
    assert f"archdist @ https://files.example/archdist-1.0.tar.gz#sha256={'ab' * 32}" in pip


def test_export_then_compare_the_same_prefix_matches(capsys, tmp_path, monkeypatch):
    prefix = make_prefix(tmp_path / "env")
    monkeypatch.setenv("HOME", str(tmp_path))
    for mode in ([], ["--pinned"]):
        yml = tmp_path / "environment.yml"
        cons = tmp_path / "pip-constraints.txt"
        assert main(["export", str(prefix), *mode, "-o", str(yml), "--constraints", str(cons)]) == 0
        capsys.readouterr()
        code = main(["compare", str(prefix), str(yml)])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "the environment matches the file" in out


def test_readme_shows_the_demo_export_as_it_is(capsys, tmp_path, monkeypatch):
    """The README's export block is the real output (prefix shown relative)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    readme = (REPO / "README.md").read_text()
    command = "$ reconcile export fixtures/demo/prefix -o environment.yml --constraints "
    block = readme.split(command, 1)[1].split("```", 1)[0]
    shown = block.split("\n", 1)[1]
    assert main(["export", str(DEMO), "-o", "environment.yml", "--constraints", "pc.txt"]) == 1
    err = capsys.readouterr().err
    assert err.replace(str(DEMO), "./fixtures/demo/prefix") == shown


#: Rows of ``compare`` that differ between a corpus prefix and its own export, in
#: both modes; every other prefix matches its export.  The committed prefixes lack
#: their payload (a conda package whose files are gone differs) and some are
#: broken (pip installed over conda's package): the rows below say which.
CORPUS_EXPORT_DIFFERS = {
    "Bears-R-Us__arkouda-njit/.conda": 3,
    "Goekdeniz-Guelmez__KANama/.conda": 3,
    "conda__conda/tests/data/env_metadata/envpy27osx": 4,
    "conda__conda/tests/data/env_metadata/envpy27win_whl": 5,
    "conda__conda/tests/data/env_metadata/envpy37osx_whl": 5,
    "conda__conda/tests/data/env_metadata/envpy37win": 5,
    "conda__conda/tests/data/env_metadata/py36-osx-whl": 8,
    "conda__rattler/test-data": 2,
    "skim2257__pixi-demo/.pixi/envs/default": 25,
    "zandalman__MCHammer/.pixi/envs/default": 1,
}


@pytest.mark.corpus
@pytest.mark.parametrize("rel", sorted(corpus_cases.expected_prefixes()))
def test_every_corpus_prefix_exports_and_compares(rel, capsys, tmp_path, monkeypatch):
    """Real records of five writers: each exports (no conflict stands in the
    way), the export reads back, and compares line by line with the env it came
    from; only what pip did to conda's packages, or their missing payload,
    differs."""
    assert CORPUS is not None
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = CORPUS / rel
    differs = CORPUS_EXPORT_DIFFERS.get(rel, 0)
    for mode in ([], ["--pinned"]):
        yml = tmp_path / "environment.yml"
        code = main(["export", str(prefix), *mode, "-o", str(yml), "--constraints",
                     str(tmp_path / "pc.txt")])  # fmt: skip
        err = capsys.readouterr().err
        assert code == 0 and "Traceback" not in err, err
        code = main(["compare", str(prefix), str(yml), "--format", "json"])
        doc = json.loads(capsys.readouterr().out)
        assert code == (1 if differs else 0)
        assert doc["unreadable"] == []
        assert sum(row["status"] not in ("ok", "skipped") for row in doc["rows"]) == differs
        for row in doc["rows"]:
            # Only what pip did to conda's packages may differ, never a spec.
            broken = ("files are gone", "is installed over it", "over conda's")
            assert row["status"] in ("ok", "skipped") or any(
                b in (row["detail"] or "") + (row["has"] or "") for b in broken
            ), row


@pytest.mark.corpus
def test_corpus_history_gives_the_requested_specs(capsys, tmp_path, monkeypatch):
    """conda's own test env: `conda create -n envpy27osx python=2.7` and so on."""
    assert CORPUS is not None
    monkeypatch.setenv("HOME", str(tmp_path))
    prefix = CORPUS / "conda__conda/tests/data/env_metadata/envpy27osx"
    assert main(["export", str(prefix)]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["channels"] == ["defaults"]
    assert "python=2.7" in data["dependencies"]
