"""Binary Authorization on the parsed HCL: the enforced policy requires the release attestor, the attestor trusts
the Cloud KMS release key, the allow-list admits the proxy image the chart really deploys, and the release identity
is keyless. (terraform test with the mocked provider checks the same wiring after evaluation:
tests/infra/terraform/binauthz.tftest.hcl.)"""

from __future__ import annotations

import fnmatch
import re

import yaml

from conftest import CHART_DIR, TERRAFORM_DIR


def test_cluster_enforces_the_project_policy(resource):
    cluster = resource("google_container_cluster", "autopilot")
    assert cluster["binary_authorization"][0]["evaluation_mode"] == "PROJECT_SINGLETON_POLICY_ENFORCE"


def test_policy_requires_the_release_attestor(resource):
    policy = resource("google_binary_authorization_policy", "policy")
    (rule,) = policy["default_admission_rule"]
    assert rule["evaluation_mode"] == "REQUIRE_ATTESTATION"
    assert rule["require_attestations_by"] == ["${google_binary_authorization_attestor.release.name}"]
    assert rule["enforcement_mode"] == "${var.binauthz_enforcement_mode}"
    assert policy["global_policy_evaluation_mode"] == "ENABLE"
    assert "cluster_admission_rules" not in policy and "kubernetes_namespace_admission_rules" not in policy


def test_attestor_trusts_exactly_the_kms_release_key(resource, tf):
    attestor = resource("google_binary_authorization_attestor", "release")
    (note,) = attestor["attestation_authority_note"]
    assert note["note_reference"] == "${google_container_analysis_note.release.name}"
    (key,) = note["public_keys"]
    assert key["id"] == "${data.google_kms_crypto_key_version.image_signing.id}"
    (pkix,) = key["pkix_public_key"]
    assert pkix["public_key_pem"] == "${data.google_kms_crypto_key_version.image_signing.public_key[0].pem}"
    data = {name: body for block in tf["data"] for kind, bodies in block.items() if kind == "google_kms_crypto_key_version"
            for name, body in bodies.items()}
    assert data["image_signing"]["crypto_key"] == "${google_kms_crypto_key.image_signing.id}"


def test_release_key_is_an_unexportable_signing_key(resource):
    key = resource("google_kms_crypto_key", "image_signing")
    assert key["purpose"] == "ASYMMETRIC_SIGN"
    assert key["version_template"][0]["algorithm"] == "EC_SIGN_P256_SHA256"  # cosign gcpkms:// and PKIX attestors
    # A destroy only schedules destruction of the key material: 90 days to restore it.
    assert int(key["destroy_scheduled_duration"].removesuffix("s")) >= 90 * 86400


def test_default_allowlist_admits_the_proxy_image_the_chart_deploys(variables):
    """One source of truth: the allow-list must match the chart's proxy repository, by tag and by digest."""
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    repository = values["cloudSqlProxy"]["image"]["repository"]
    tag = values["cloudSqlProxy"]["image"]["tag"]
    patterns = variables["binauthz_allowlist_patterns"]["default"]
    assert len(patterns) == 1

    def admitted(image: str) -> bool:  # Binary Authorization: a trailing * does not cross "/", ** does
        return any(re.fullmatch(re.escape(p).replace(r"\*\*", ".*").replace(r"\*", "[^/]*"), image) for p in patterns)

    assert admitted(f"{repository}:{tag}")
    assert admitted(f"{repository}@sha256:{'0' * 64}")
    assert not admitted("gcr.io/cloud-sql-connectors/other-image:1.0")
    assert not admitted("docker.io/library/nginx:latest")
    assert not fnmatch.fnmatch("", patterns[0])


def test_release_identity_is_keyless_and_scoped(resource):
    release = yaml.safe_load((TERRAFORM_DIR.parent / ".github" / "workflows" / "release.yml").read_text())
    assert release["jobs"]["release"]["environment"] == "release"  # the subject claim the condition expects
    provider_ = resource("google_iam_workload_identity_pool_provider", "github")
    assert "assertion.sub == 'repo:${var.github_repository}:environment:release'" in provider_["attribute_condition"]
    assert "refs/tags/v" in provider_["attribute_condition"]
    binding = resource("google_service_account_iam_member", "github_releaser")
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert "/attribute.repository/${var.github_repository}" in binding["member"]
    signer = resource("google_kms_crypto_key_iam_member", "releaser_signs")
    assert signer["role"] == "roles/cloudkms.signerVerifier"
    assert signer["member"] == "${google_service_account.releaser.member}"


def test_apis_for_signing_and_attestations_are_enabled(locals_):
    services = set(re.findall(r'"([a-z]+\.googleapis\.com)"', locals_["services"]))
    assert {"binaryauthorization.googleapis.com", "cloudkms.googleapis.com", "containeranalysis.googleapis.com",
            "sts.googleapis.com"} <= services


def test_release_outputs_feed_the_pipeline(outputs):
    assert {"release_signing_key", "release_key_version", "attestor", "release_service_account",
            "workload_identity_provider", "chart_repository"} <= set(outputs)
    assert outputs["release_signing_key"]["value"].startswith("gcpkms://")
    workflow = (TERRAFORM_DIR.parent / ".github" / "workflows" / "release.yml").read_text()
    for name in ("workload_identity_provider", "release_service_account", "image_repository", "chart_repository",
                 "release_signing_key", "release_key_version", "attestor"):
        assert name in workflow, f"release.yml does not say which output feeds {name}"
