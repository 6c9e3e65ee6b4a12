"""The certified-collection quality bar and the install story, run as users and CI run them:
ansible-lint --profile production, antsibull-changelog lint, ansible-builder's introspection of the
installed collection, and the collection README's install commands executed as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import BIN, COLLECTION_SRC, REPO, ansible_env

HERE = Path(__file__).parent
LINTED = {
    "collection": (COLLECTION_SRC, {}),
    "ansible-quickstart": (REPO / "examples" / "ansible-quickstart", {}),
    "ansible-eda": (REPO / "examples" / "ansible-eda", {}),
    "roles": (HERE / "roles", {}),
    "playbooks": (HERE / "playbooks", {"ANSIBLE_ROLES_PATH": str(HERE / "roles")}),
}


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} is not installed (it is a dev dependency: make setup)")
    return str(path)


@pytest.mark.ansible
@pytest.mark.parametrize("target", sorted(LINTED))
def test_ansible_lint_production_profile_passes(target: str, installed_collections: Path) -> None:
    where, extra = LINTED[target]
    done = subprocess.run(
        [_tool("ansible-lint"), "--offline", "--nocolor", "--format=pep8", "--profile", "production", "."],
        cwd=where,
        env=ansible_env(installed_collections, **extra),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert "Profile 'production' was required, and it passed" in done.stderr + done.stdout


@pytest.mark.ansible
def test_changelog_fragments_are_valid() -> None:
    done = subprocess.run(
        [_tool("antsibull-changelog"), "lint"],
        cwd=COLLECTION_SRC,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "", done.stdout + done.stderr
    fragments = list((COLLECTION_SRC / "changelogs" / "fragments").glob("*.yml"))
    assert any("breaking_changes" in f.read_text() for f in fragments)  # the present -> published migration


@pytest.mark.ansible
def test_ansible_builder_reads_the_execution_environment_metadata(installed_collections: Path) -> None:
    done = subprocess.run(
        [_tool("ansible-builder"), "introspect", "--sanitize", str(installed_collections)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "b3os-iac @ git+https://github.com/b3os/b3os-iac.git" in done.stdout
    assert re.search(r"git \[platform:rpm platform:dpkg\].*b3os\.b3os", done.stdout)


def _readme_install_block() -> str:
    text = (COLLECTION_SRC / "README.md").read_text()
    match = re.search(r"<!-- install-commands -->\n```bash\n(.*?)```", text, re.S)
    assert match, "the collection README has no install-commands block"
    return match.group(1)


def _snapshot(dest: Path) -> None:
    """The working tree as a git repository: what `git+https://github.com/b3os/b3os-iac.git` serves."""
    files = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, check=True
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-qm", "snapshot"], cwd=dest, check=True)


@pytest.mark.ansible
@pytest.mark.slow
def test_collection_readme_install_commands_work_as_written(tmp_path: Path) -> None:
    # A fresh venv (a user's), the README's commands run by bash from a checkout, and the VCS URL of
    # requirements.txt served by a git snapshot of this working tree (git's insteadOf), offline.
    checkout = tmp_path / "b3os-iac"
    checkout.mkdir()
    _snapshot(checkout)
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(f'[url "file://{checkout}"]\n\tinsteadOf = https://github.com/b3os/b3os-iac.git\n')
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    collections = tmp_path / "collections"
    env = ansible_env(
        collections,
        # the user's venv first; ansible-core (a prerequisite the README names) from ours
        PATH=f"{venv / 'bin'}{os.pathsep}{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        GIT_CONFIG_GLOBAL=str(gitconfig),
        GIT_CONFIG_NOSYSTEM="1",
    )
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _readme_install_block()],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import b3os, b3os.workflow.bulk; print(b3os.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version
    installed = collections / "ansible_collections" / "b3os" / "b3os"
    assert (installed / "MANIFEST.json").is_file()
    assert (installed / "plugins" / "action" / "workflow.py").is_file()
    assert (installed / "extensions" / "eda" / "plugins" / "event_source" / "run_events.py").is_file()
