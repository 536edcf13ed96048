"""Builds the JSON schemas kubeconform needs into a cache directory outside the repository.

Kubernetes: the `kubernetes-validate` package ships Kubernetes' OpenAPI as strict JSON schemas whose
`$ref`s point at a shared `https://kubernetes.io/api/_definitions.json`. kubeconform cannot resolve that
URL offline, so each kind is written self-contained: the referenced definitions (transitively) are
embedded under `$defs` and the refs rewritten to `#/$defs/...`. Layout: kubernetes/v<version>-standalone-strict/
<kind>[-<group>]-<version>.json, which is kubeconform's default naming.

CRDs: each served version's `openAPIV3Schema` becomes crds/<group>/<kind>_<version>.json, made strict the way
kubeconform's own openapi2jsonschema does it (objects with `properties` get `additionalProperties: false`,
`x-kubernetes-int-or-string` accepts a string or an integer).
"""

import argparse
import importlib.resources
import json
import pathlib
import re
import sys

import yaml

DEFINITIONS_REF = "/api/_definitions.json#/$defs/"
LOCAL_REF = "#/$defs/"  # how the definitions refer to each other


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _rewrite_refs(node):
    if isinstance(node, dict):
        return {
            key: (
                value.replace(DEFINITIONS_REF, LOCAL_REF)
                if key == "$ref" and isinstance(value, str)
                else _rewrite_refs(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _closure(schema, definitions):
    """Names of every definition reachable from schema."""
    seen, todo = set(), [schema]
    while todo:
        for ref in _refs(todo.pop()):
            prefix = next((p for p in (DEFINITIONS_REF, LOCAL_REF) if ref.startswith(p)), None)
            if prefix is None:
                raise SystemExit(f"unexpected $ref {ref!r}")
            name = ref[len(prefix):]
            if name not in seen:
                seen.add(name)
                todo.append(definitions[name])
    return seen


def build_kubernetes(out: pathlib.Path, version: str) -> int:
    source = importlib.resources.files("kubernetes_validate") / "kubernetes-json-schema" / f"v{version}-local-strict"
    if not source.is_dir():
        raise SystemExit(f"kubernetes-validate has no schemas for Kubernetes {version}")
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    target = out / "kubernetes" / f"v{version}-standalone-strict"
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in source.iterdir():
        if path.name.startswith("_") or path.name == "all.json" or not path.name.endswith(".json"):
            continue
        schema = json.loads(path.read_text())
        schema.pop("$id", None)
        schema["$defs"] = {name: definitions[name] for name in sorted(_closure(schema, definitions))}
        (target / path.name).write_text(json.dumps(_rewrite_refs(schema)))
        count += 1
    return count


def strict(node):
    """kubeconform's openapi2jsonschema strictness, applied recursively."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if node.get("x-kubernetes-int-or-string"):
        node.pop("type", None)
        node["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    if "properties" in node and "additionalProperties" not in node and not node.get(
        "x-kubernetes-preserve-unknown-fields"
    ):
        node["additionalProperties"] = False
    return node


def build_crd(out: pathlib.Path, crd_path: pathlib.Path) -> list:
    written = []
    for crd in yaml.safe_load_all(crd_path.read_text()):
        if not crd or crd.get("kind") != "CustomResourceDefinition":
            continue
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"].lower()
        for version in crd["spec"]["versions"]:
            schema = version.get("schema", {}).get("openAPIV3Schema")
            if schema is None:
                continue
            # metadata is validated by the API server's ObjectMeta, not the CRD: keep it open.
            schema = strict(schema)
            schema["properties"]["metadata"] = {"type": "object"}
            target = out / "crds" / group / f"{kind}_{version['name']}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(schema))
            written.append(f"{group}/{target.name}")
    if not written:
        raise SystemExit(f"{crd_path}: no CustomResourceDefinition with a schema found")
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, required=True)
    parser.add_argument("--kubernetes-versions", nargs="+", required=True)
    parser.add_argument("--crd", type=pathlib.Path, action="append", default=[])
    args = parser.parse_args()
    for version in args.kubernetes_versions:
        if not re.fullmatch(r"\d+\.\d+\.\d+", version):
            raise SystemExit(f"--kubernetes-versions: {version!r} is not X.Y.Z")
        print(f"schemas: Kubernetes {version}: {build_kubernetes(args.out, version)} kinds")
    for crd in args.crd:
        print(f"schemas: {', '.join(build_crd(args.out, crd))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
