"""environment.yml (reconcile/render/env.py): what ``export`` writes reads back
as exactly the spec, deterministically, with every scalar YAML could misread
quoted."""

from __future__ import annotations

import yaml
from test_export import dist, graph, python_record, stack

from reconcile.export import ExportOptions, build_spec
from reconcile.models import DirectUrl
from reconcile.render.env import environment_yml


def test_yml_reads_back_as_the_spec_and_is_deterministic():
    g = stack()
    text = environment_yml(build_spec(g, ExportOptions(constraints="pip-constraints.txt")))
    assert text == environment_yml(build_spec(g, ExportOptions(constraints="pip-constraints.txt")))
    data = yaml.safe_load(text)
    assert data == {
        "name": "work",
        "channels": ["conda-forge"],
        "dependencies": [
            "python=3.11",
            "conda-forge::requests",
            "six",
            {
                "pip": [
                    "-c pip-constraints.txt",
                    "attrs==24.2.0",
                    "-e /src/proj",
                    "tool @ git+https://github.com/o/tool.git@abc123",
                ]
            },
        ],
    }
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[0].startswith("# environment.yml written by reconcile")
    assert "from the prefix /envs/work" in header[1]


def test_scalars_that_yaml_would_misread_are_quoted():
    g = graph(
        dist("a", "1.0", direct_url=DirectUrl(url="file:///w/yes:%20no", editable=True)),
        records=(python_record(),),
        prefix="/envs/null",
    )
    text = environment_yml(build_spec(g))
    data = yaml.safe_load(text)
    assert data["name"] == "null"
    assert data["dependencies"][-1] == {"pip": ["-e /w/yes: no"]}


def test_empty_env_has_an_empty_dependency_list():
    data = yaml.safe_load(environment_yml(build_spec(graph())))
    assert data == {"name": "work", "channels": [], "dependencies": []}
