"""Dependency policy (deny.toml): `make deny` passes on the locked graph, fails on an advisory nobody ignored, on a
license outside the allow-list and on a duplicate nobody justified; every exception has a reason and ignores expire."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from conftest import CACHE_DIR, ROOT, ok, run, tool

DENY_TOML = ROOT / "deny.toml"
SNAPSHOT = ROOT.parent / "shared" / "advisory-db"
EXPIRY = re.compile(r"\buntil (\d{4}-\d{2}-\d{2})\b")


@pytest.fixture(scope="module")
def policy() -> dict:
    return tomllib.loads(DENY_TOML.read_text())


def advisory_db_root() -> Path:
    """Where `make deny` keeps the RustSec database: the snapshot copy on machines that have one, else the
    clone cargo-deny fetched (after `make deny` ran once)."""
    if (SNAPSHOT / "SNAPSHOT.txt").is_file():
        return CACHE_DIR / "advisory-dbs"
    return Path(os.environ.get("CARGO_HOME", Path.home() / ".cargo")) / "advisory-dbs"


def advisory_db() -> Path:
    root = advisory_db_root()
    databases = [d for d in root.iterdir() if (d / ".git").is_dir()] if root.is_dir() else []
    assert len(databases) == 1, f"expected one advisory database under {root}: run bash scripts/setup.sh"
    return databases[0]


def deny(*args: str, config: Path = DENY_TOML, db_root: Path | None = None):
    """cargo deny against a local advisory database root (the one `make deny` uses unless told otherwise)."""
    env = {"HELLO_ADVISORY_DB_ROOT": str(db_root or advisory_db_root())}
    return run([tool("cargo-deny"), "--locked", "--offline", "--config", str(config), "check", *args], env=env)


def test_make_deny_passes():
    result = ok(run(["make", "--no-print-directory", "deny"]))
    output = result.stdout + result.stderr
    for check in ("advisories ok", "bans ok", "licenses ok", "sources ok"):
        assert check in output, output[-3000:]


def test_the_advisory_database_in_use_is_real():
    """Guards the gate itself: the database must hold advisories; its date is reported."""
    database = advisory_db()
    advisories = list(database.glob("crates/*/RUSTSEC-*.md"))
    assert len(advisories) > 500, f"{database} holds only {len(advisories)} advisories"
    date = ok(run(["git", "-C", str(database), "show", "-s", "--format=%cs", "HEAD"])).stdout.strip()
    print(f"\nRustSec advisory database of {date}: {len(advisories)} advisories ({database})")


def test_an_unignored_advisory_fails_the_check(tmp_path):
    """A database with one more advisory, against a crate the binary really links, turns the check red."""
    source = advisory_db()
    db_root = tmp_path / "dbs"
    target = db_root / source.name
    shutil.copytree(source, target, symlinks=True)
    (target / "crates" / "percent-encoding").mkdir(parents=True, exist_ok=True)
    (target / "crates" / "percent-encoding" / "RUSTSEC-2099-0001.md").write_text(
        '```toml\n[advisory]\nid = "RUSTSEC-2099-0001"\npackage = "percent-encoding"\n'
        'date = "2099-01-01"\nurl = "https://example.invalid/advisory"\ncategories = ["memory-corruption"]\n'
        '\n[versions]\npatched = [">= 99.0.0"]\n```\n\n# Test advisory\n\nInjected by the policy test.\n')
    ok(run(["git", "-C", str(target), "add", "--all"]))
    ok(run(["git", "-C", str(target), "-c", "user.name=test", "-c", "user.email=test@localhost",
            "commit", "--quiet", "-m", "test advisory"]))
    result = deny("advisories", db_root=db_root)
    assert result.returncode != 0, result.stderr[-3000:]
    assert "RUSTSEC-2099-0001" in result.stderr


def test_a_license_outside_the_allow_list_fails(tmp_path, policy):
    config = DENY_TOML.read_text().replace('  "Unicode-3.0",\n', "")
    assert config != DENY_TOML.read_text()
    (tmp_path / "deny.toml").write_text(config)
    result = deny("licenses", config=tmp_path / "deny.toml")
    assert result.returncode != 0
    assert "Unicode-3.0" in result.stderr and "rejected" in result.stderr


def test_an_unjustified_duplicate_fails(tmp_path, policy):
    skips = policy["bans"]["skip"]
    assert skips, "no duplicate is skipped: this test needs one to remove"
    config = re.sub(r"(?ms)^skip = \[.*?^\]\n", "skip = []\n", DENY_TOML.read_text())
    (tmp_path / "deny.toml").write_text(config)
    result = deny("bans", config=tmp_path / "deny.toml")
    assert result.returncode != 0
    assert "found 2 duplicate entries for crate" in result.stderr


def test_every_exception_has_a_reason(policy):
    entries = policy["bans"]["skip"] + policy["bans"].get("skip-tree", []) + policy["advisories"]["ignore"]
    for entry in entries:
        assert isinstance(entry, dict) and len(entry.get("reason", "")) >= 20, f"{entry}: needs a reason"


def test_advisory_ignores_have_not_expired(policy):
    today = datetime.date.today()
    for entry in policy["advisories"]["ignore"]:
        match = EXPIRY.search(entry.get("reason", ""))
        assert match, f"{entry}: the reason must end with 'until YYYY-MM-DD'"
        expires = datetime.date.fromisoformat(match.group(1))
        assert expires >= today, f"{entry['id']}: ignore expired on {expires}; re-assess it"
        assert expires <= today + datetime.timedelta(days=366), f"{entry['id']}: ignore longer than a year"


def test_sources_are_crates_io_only(policy):
    assert policy["sources"]["allow-git"] == []
    assert policy["sources"]["unknown-git"] == policy["sources"]["unknown-registry"] == "deny"
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text())
    foreign = [p["name"] for p in lock["package"]
               if "source" in p and p["source"] != "registry+https://github.com/rust-lang/crates.io-index"]
    assert foreign == []
