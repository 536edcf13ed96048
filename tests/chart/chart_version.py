"""The chart's version must go up whenever what `helm package` puts in the chart changes.

A published chart version is immutable for its users (and for an OCI registry's tag): two different archives
under one version would be indistinguishable. The check compares the chart as it is now (the working tree)
with a base commit and, when the packaged files differ, requires Chart.yaml's `version` to be higher by SemVer.

Which commit is the base:
  - CHART_BASE_REF set (e.g. `origin/main` in a pull-request build): the merge base with that ref.
  - on a branch that is ahead of `origin/main` (or `main`): the merge base with it, so the whole branch is
    one change and needs one bump, as chart-testing's `ct lint --check-version-increment` does.
  - on main itself (a clean clone in CI, where the merge base is HEAD): the parent of the last first-parent
    commit that changed the packaged chart. A merge commit counts as one change, so with merge commits the
    whole merged branch is compared; with fast-forward merges the last change must carry the bump.

"Packaged" is decided by `helm package` itself: .helmignore applies and the symlinked alerts/ and dashboards/
count (a dashboard change changes the chart), while files outside the archive (alert rule unit tests,
README.md.gotmpl) do not.

    chart_version.py [--repo DIR] [--helm PATH]   exit 0 when the version is fine, 1 with the reason otherwise
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tarfile
import tempfile

import semver
import yaml

CHART = "chart/hello-server"
# What a commit's chart is built from: the chart directory and the directories its files/ symlinks point at.
TREE_PATHS = (CHART, "alerts", "dashboards")
MAX_CANDIDATES = 50


class CheckError(Exception):
    """The check cannot run (not a git checkout, shallow history, ...)."""


def git(repo: pathlib.Path, *args: str, check=True) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise CheckError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip() if result.returncode == 0 else ""


def packaged(chart_dir: pathlib.Path, helm: str) -> dict:
    """{member name: bytes} of the archive `helm package` makes from chart_dir."""
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run([helm, "package", str(chart_dir), "--destination", out], capture_output=True, text=True)
        if result.returncode != 0:
            raise CheckError(f"helm package {chart_dir}: {result.stderr.strip()}")
        [archive] = pathlib.Path(out).glob("*.tgz")
        with tarfile.open(archive) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def packaged_at(repo: pathlib.Path, commit: str, helm: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        present = [
            path for path in TREE_PATHS
            if subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{commit}:{path}"],
                              capture_output=True).returncode == 0
        ]
        if CHART not in present:
            return {}
        archive = subprocess.run(["git", "-C", str(repo), "archive", commit, *present], capture_output=True)
        if archive.returncode != 0:
            raise CheckError(f"git archive {commit}: {archive.stderr.decode().strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        return packaged(pathlib.Path(tmp) / CHART, helm)


def version_of(files: dict) -> str:
    chart_yaml = next((data for name, data in files.items() if name.count("/") == 1 and name.endswith("/Chart.yaml")), None)
    return yaml.safe_load(chart_yaml)["version"] if chart_yaml else ""


def base_commit(repo: pathlib.Path, helm: str) -> tuple:
    """(commit, how it was chosen) the current chart is compared with."""
    head = git(repo, "rev-parse", "HEAD")
    refs = [os.environ["CHART_BASE_REF"]] if os.environ.get("CHART_BASE_REF") else ["origin/main", "main"]
    for ref in refs:
        if not git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False):
            if os.environ.get("CHART_BASE_REF"):
                raise CheckError(f"CHART_BASE_REF={ref} is not a commit in {repo}")
            continue
        merge_base = git(repo, "merge-base", "HEAD", ref, check=False)
        if not merge_base:
            raise CheckError(f"no merge base of HEAD and {ref}: fetch more history (git fetch --unshallow)")
        if merge_base != head or os.environ.get("CHART_BASE_REF"):
            return merge_base, f"merge base with {ref}"
        break
    # On main: walk back over the commits that touched the chart's sources to the last real change.
    candidates = git(repo, "log", "--first-parent", f"-{MAX_CANDIDATES}", "--format=%H", "HEAD", "--", *TREE_PATHS).split()
    for commit in candidates:
        parent = git(repo, "rev-parse", "--verify", "--quiet", f"{commit}^1", check=False)
        if not parent:
            if git(repo, "rev-parse", "--is-shallow-repository") == "true":
                raise CheckError("shallow clone: the version check needs the history (git fetch --unshallow)")
            return commit, f"first commit of the chart ({commit[:12]})"
        if packaged_at(repo, commit, helm) != packaged_at(repo, parent, helm):
            return parent, f"parent of {commit[:12]}, the last commit that changed the packaged chart"
    raise CheckError(f"no commit among the last {MAX_CANDIDATES} that touched {', '.join(TREE_PATHS)} changed the chart")


def check(repo: pathlib.Path, helm: str) -> str:
    """The verdict as text; raises CheckError when the chart was changed without a version bump."""
    base, how = base_commit(repo, helm)
    current = packaged(repo / CHART, helm)
    previous = packaged_at(repo, base, helm)
    if not previous:
        return f"chart {version_of(current)}: new since {base[:12]} ({how})"
    changed = sorted(
        name for name in current.keys() | previous.keys() if current.get(name) != previous.get(name)
    )
    new, old = version_of(current), version_of(previous)
    if not changed:
        return f"chart {new}: packaged files unchanged since {base[:12]} ({how})"
    if semver.Version.parse(new) <= semver.Version.parse(old):
        shown = ", ".join(name.split("/", 1)[1] for name in changed[:8]) + (" ..." if len(changed) > 8 else "")
        raise CheckError(
            f"chart/hello-server changed since {base[:12]} ({how}) in {shown}, but its version {new} is not "
            f"above {old}: raise `version` in chart/hello-server/Chart.yaml (SemVer) and describe the change in "
            f"its artifacthub.io/changes annotation"
        )
    return f"chart {old} -> {new}: {len(changed)} packaged file(s) changed since {base[:12]} ({how})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=pathlib.Path, default=pathlib.Path(__file__).resolve().parents[2])
    parser.add_argument("--helm", default=shutil.which("helm") or "helm")
    args = parser.parse_args()
    try:
        print(check(args.repo, args.helm))
    except CheckError as error:
        print(f"chart version check: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
