"""The three descriptions of the environment (pyproject, environment.yml, binder/) agree."""
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAME = {"torch": "pytorch"}  # pip name -> conda-forge name where they differ


def requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def conda_packages(path: Path) -> set[str]:
    env = yaml.safe_load(path.read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            names.add(requirement_name(dep))
        else:
            names.update(requirement_name(d) for d in dep.get("pip", []) if not d.startswith("-"))
    return names


@pytest.mark.parametrize("env_file", ["environment.yml", "binder/environment.yml"])
@pytest.mark.parametrize("extra", ["runtime", "dev"])
def test_every_dependency_is_in_the_conda_environments(env_file, extra):
    project = pyproject()
    requirements = project["dependencies"] if extra == "runtime" else project["optional-dependencies"]["dev"]
    wanted = {CONDA_NAME.get(n, n) for n in map(requirement_name, requirements)}
    missing = wanted - conda_packages(ROOT / env_file)
    assert not missing, f"{env_file} lacks {sorted(missing)} from pyproject's {extra} dependencies"


def test_conda_environments_use_cpu_pytorch_from_conda_forge():
    for env_file in ["environment.yml", "binder/environment.yml"]:
        env = yaml.safe_load((ROOT / env_file).read_text())
        assert env["channels"] == ["conda-forge"]
        assert any(isinstance(d, str) and d.startswith("pytorch") and "cpu" in d for d in env["dependencies"])


def test_binder_installs_the_package():
    assert "pip install" in (ROOT / "binder" / "postBuild").read_text()
    assert "-e ." in str(yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"][-1])


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "python3 dev.py lab" in first_block and "python3 dev.py test" in first_block
    assert "python3 dev.py test" in (ROOT / ".ci" / "run").read_text()
