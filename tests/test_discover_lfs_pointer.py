"""conda-meta files checked out as Git LFS pointers (tests/real_writers/10-*)."""

from __future__ import annotations

from pathlib import Path

from reconcile.discover._conda_meta import read_conda_meta
from reconcile.models import Severity

# -- Git LFS pointers ---------------------------------------------------------


def test_git_lfs_pointer_record_says_so(tmp_path: Path) -> None:
    pointer = (
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 4372\n"
    )
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "zstd-1.5.6-ha6fb4c9_0.json").write_text(pointer)
    records, problems, _ = read_conda_meta(str(tmp_path))
    assert records == ()
    (problem,) = problems
    assert (problem.code, problem.package, problem.severity) == (
        "invalid-record", "zstd", Severity.ERROR,
    )
    assert "Git LFS pointer" in problem.reason and "4372 bytes" in problem.reason
    assert "git lfs pull" in problem.reason
