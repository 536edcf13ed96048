"""`make sbom`: the CycloneDX SBOM lists every crate the binary links, as derived independently from Cargo's own
resolved graph (cargo metadata: normal dependency edges for the Linux target, not descending into proc-macros,
which run in the compiler and are not linked), and nothing that only the tests use."""

from __future__ import annotations

import json
from collections import deque

import pytest

from conftest import HOST_TARGET, ROOT, ok, run

SBOM = ROOT / "target" / "sbom" / "hello-server.cdx.json"


@pytest.fixture(scope="module")
def sbom() -> dict:
    ok(run(["make", "--no-print-directory", "sbom"], timeout=900))
    assert SBOM.is_file(), f"make sbom wrote no {SBOM}"
    return json.loads(SBOM.read_text())


@pytest.fixture(scope="module")
def graph() -> dict:
    metadata = json.loads(ok(run(["cargo", "metadata", "--locked", "--format-version", "1",
                                  "--filter-platform", HOST_TARGET])).stdout)
    packages = {p["id"]: p for p in metadata["packages"]}
    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}
    return {"packages": packages, "nodes": nodes, "root": metadata["resolve"]["root"]}


def reachable(graph: dict, kinds: set) -> set[tuple[str, str]]:
    """(name, version) of packages reachable from the root over edges of `kinds` (None = normal), without
    descending into proc-macro crates (compiler plugins, not linked)."""
    def is_proc_macro(package_id: str) -> bool:
        return any("proc-macro" in t["kind"] for t in graph["packages"][package_id]["targets"])

    seen, queue = set(), deque([graph["root"]])
    while queue:
        current = queue.popleft()
        for dep in graph["nodes"][current]["deps"]:
            edge_kinds = {k["kind"] for k in dep["dep_kinds"]}
            if current != graph["root"]:
                edge_kinds &= {None}  # below the root only normal edges lead into the binary
            if edge_kinds & kinds and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                if not is_proc_macro(dep["pkg"]):
                    queue.append(dep["pkg"])
    return {(graph["packages"][p]["name"], graph["packages"][p]["version"]) for p in seen
            if not is_proc_macro(p)}


def components(sbom: dict) -> set[tuple[str, str]]:
    return {(c["name"], c["version"]) for c in sbom["components"]}


def test_sbom_is_cyclonedx_for_the_binary(sbom):
    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["specVersion"] in {"1.4", "1.5", "1.6"}
    component = sbom["metadata"]["component"]
    assert component["name"] == "hello-server"
    assert component["version"] == next(line.split('"')[1] for line in (ROOT / "Cargo.toml").read_text().splitlines()
                                        if line.startswith("version = "))


def test_sbom_lists_every_linked_crate(sbom, graph):
    linked = reachable(graph, {None})
    # The graph is the service's real one, not an empty walk.
    assert {"tokio", "warp", "tokio-postgres", "bb8", "prometheus"} <= {name for name, _ in linked}
    missing = linked - components(sbom)
    assert not missing, f"linked crates missing from the SBOM: {sorted(missing)}"
    print(f"\nSBOM: {len(sbom['components'])} components; the binary links {len(linked)} crates; "
          f"Cargo.lock holds {len(graph['packages']) - 1} packages for {HOST_TARGET}")


def test_sbom_leaves_out_test_only_crates(sbom, graph):
    linked = reachable(graph, {None})
    test_only = reachable(graph, {"dev"}) - linked - reachable(graph, {"build"})
    assert {"proptest", "tempfile"} <= {name for name, _ in test_only}
    assert not (test_only & components(sbom)), sorted(test_only & components(sbom))


def test_components_carry_purl_and_license(sbom):
    for component in sbom["components"]:
        assert component["purl"].startswith(f"pkg:cargo/{component['name']}@{component['version']}"), component
        assert component.get("licenses"), f"{component['name']} has no license in the SBOM"
