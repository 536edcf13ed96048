"""Assertions on the parsed HCL: the security and durability properties the design promises."""

from __future__ import annotations

import re

import yaml

from conftest import CHART_DIR, ROOT, TERRAFORM_DIR

# One file per concern.
EXPECTED_FILES = {"versions.tf", "providers.tf", "variables.tf", "apis.tf", "network.tf", "gke.tf", "sql.tf", "iam.tf",
                  "registry.tf", "outputs.tf", "backend.tf"}


def test_one_file_per_concern():
    present = {p.name for p in TERRAFORM_DIR.glob("*.tf")}
    assert EXPECTED_FILES <= present, f"missing: {sorted(EXPECTED_FILES - present)}"


def test_versions_pin_terraform_and_a_current_google_major(tf):
    (settings,) = tf["terraform"]
    assert settings["required_version"] == ">= 1.6"
    google = settings["required_providers"][0]["google"]
    assert google["source"] == "hashicorp/google"
    assert re.fullmatch(r"~> ([89]|\d{2,})\.\d+", google["version"]), google["version"]


def test_gcs_backend_example_is_present_but_commented():
    text = (TERRAFORM_DIR / "backend.tf").read_text()
    assert re.search(r'^#\s+backend "gcs" \{', text, re.M), "commented GCS backend example missing"
    assert not re.search(r'^\s*backend\s+"', text, re.M), "the backend must stay commented (local state for a first apply)"


def test_every_variable_is_typed_and_documented(variables):
    assert variables
    for name, body in variables.items():
        assert body.get("type"), f"variable {name} has no type"
        assert len(body.get("description", "")) > 15, f"variable {name} has no useful description"


def test_variable_defaults(variables):
    assert variables["cluster_name"]["default"] == "hello-world-cluster"
    assert variables["namespace"]["default"] == "hello"
    assert variables["deletion_protection"]["default"] is True
    assert variables["availability_type"]["default"] in {"ZONAL", "REGIONAL"}
    assert re.fullmatch(r"POSTGRES_1[5-9]", variables["database_version"]["default"])
    assert "default" not in variables["project_id"], "project_id must be given explicitly"


def test_free_form_variables_are_validated(variables):
    unvalidated = [n for n, b in variables.items() if b["type"] not in ("bool",) and not b.get("validation")]
    assert unvalidated == []


def test_no_service_account_keys_anywhere():
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.tf")
                 if ".terraform" not in p.parts and "google_service_account_key" in p.read_text()]
    assert offenders == []


def test_apis_are_managed_and_survive_destroy(resource):
    services = resource("google_project_service", "enabled")
    assert services["disable_on_destroy"] is False


def test_apis_cover_what_the_configuration_uses(locals_):
    services = set(re.findall(r'"([a-z]+\.googleapis\.com)"', locals_["services"]))
    assert {"container.googleapis.com", "sqladmin.googleapis.com", "servicenetworking.googleapis.com",
            "artifactregistry.googleapis.com", "compute.googleapis.com", "iam.googleapis.com"} <= services
    assert "containerregistry.googleapis.com" not in services


def test_network_is_vpc_native_with_private_google_access(resource):
    assert resource("google_compute_network", "vpc")["auto_create_subnetworks"] is False
    subnet = resource("google_compute_subnetwork", "nodes")
    assert subnet["private_ip_google_access"] is True
    assert {r["range_name"] for r in subnet["secondary_ip_range"]} == {"pods", "services"}


def test_private_services_access_for_cloud_sql(resource):
    address = resource("google_compute_global_address", "private_services")
    assert address["purpose"] == "VPC_PEERING" and address["address_type"] == "INTERNAL"
    connection = resource("google_service_networking_connection", "private_services")
    assert connection["service"] == "servicenetworking.googleapis.com"
    assert connection["reserved_peering_ranges"] == ["${google_compute_global_address.private_services.name}"]


def test_private_nodes_have_cloud_nat(resource):
    assert resource("google_compute_router_nat", "nat")["source_subnetwork_ip_ranges_to_nat"]


def test_gke_autopilot_private_with_release_channel_and_managed_prometheus(resource):
    cluster = resource("google_container_cluster", "autopilot")
    assert cluster["enable_autopilot"] is True
    assert cluster["deletion_protection"] == "${var.deletion_protection}"
    assert cluster["private_cluster_config"][0]["enable_private_nodes"] is True
    assert cluster["release_channel"][0]["channel"] == "${var.release_channel}"
    assert cluster["monitoring_config"][0]["managed_prometheus"][0]["enabled"] is True
    assert "node_pool" not in cluster and "remove_default_node_pool" not in cluster


def _sql_instance(resource):
    return resource("google_sql_database_instance", "postgres")


def test_cloud_sql_has_no_public_ip_and_requires_tls(resource):
    ip = _sql_instance(resource)["settings"][0]["ip_configuration"][0]
    assert ip["ipv4_enabled"] is False
    assert ip["private_network"] == "${google_compute_network.vpc.id}"
    assert ip["ssl_mode"] in {"ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"}
    assert "authorized_networks" not in ip


def test_cloud_sql_iam_authentication_flag_is_on(resource):
    flags = {f["name"]: f["value"] for f in _sql_instance(resource)["settings"][0]["database_flags"]}
    assert flags["cloudsql.iam_authentication"] == "on"
    for logging_flag in ("log_checkpoints", "log_connections", "log_disconnections", "log_lock_waits"):
        assert flags[logging_flag] == "on", logging_flag


def test_cloud_sql_backups_and_point_in_time_recovery(resource):
    backup = _sql_instance(resource)["settings"][0]["backup_configuration"][0]
    assert backup["enabled"] is True
    assert backup["point_in_time_recovery_enabled"] is True


def test_cloud_sql_both_deletion_protections_follow_the_variable(resource):
    instance = _sql_instance(resource)
    assert instance["deletion_protection"] == "${var.deletion_protection}"
    assert instance["settings"][0]["deletion_protection_enabled"] == "${var.deletion_protection}"


def test_cloud_sql_operational_settings(resource):
    settings = _sql_instance(resource)["settings"][0]
    assert settings["availability_type"] == "${var.availability_type}"
    assert settings["insights_config"][0]["query_insights_enabled"] is True
    assert settings["maintenance_window"][0]["day"] in range(1, 8)


def test_database_users_are_iam_only(tf, resource):
    users = {name: body for block in tf["resource"] if "google_sql_user" in block
             for name, body in block["google_sql_user"].items()}
    assert users["app"]["type"] == "CLOUD_IAM_SERVICE_ACCOUNT"
    assert users["app"]["name"] == "${local.app_database_user}"
    for name, body in users.items():
        assert "password" not in body and "password_wo" not in body, f"google_sql_user.{name} has a password"
        # A missing type means BUILT_IN, i.e. a password login.
        assert "BUILT_IN" not in body.get("type", "BUILT_IN") and "CLOUD_IAM" in body["type"], name
    # The application never gets cloudsqlsuperuser; only the administrator's login does.
    assert "database_roles" not in users["app"]


def test_app_identity_roles_and_workload_identity_binding(resource, locals_):
    roles = set(re.findall(r'"(roles/[\w.]+)"', locals_["app_project_roles"]))
    assert roles == {"roles/cloudsql.client", "roles/cloudsql.instanceUser"}
    binding = resource("google_service_account_iam_member", "workload_identity")
    assert binding["role"] == "roles/iam.workloadIdentityUser"
    assert binding["member"] == "${local.workload_identity_member}"


def test_workload_identity_member_matches_chart_defaults(variables, locals_):
    member = locals_["workload_identity_member"]
    assert member == "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${var.kubernetes_service_account}]"
    chart_values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    assert variables["kubernetes_service_account"]["default"] == chart_values["serviceAccount"]["name"]
    # The chart's namespace is the release namespace; the documented install uses `-n hello`.
    assert variables["namespace"]["default"] == "hello"
    assert "-n hello" in (ROOT / "docs" / "deploy.md").read_text()


def test_artifact_registry_docker_repository_with_cleanup_policy(resource):
    repo = resource("google_artifact_registry_repository", "images")
    assert repo["format"] == "DOCKER"
    assert repo["cleanup_policy_dry_run"] is False
    actions = {p["action"] for p in repo["cleanup_policies"]}
    assert actions == {"KEEP", "DELETE"}


def test_outputs_feed_the_next_steps(outputs):
    assert {"cluster_name", "cluster_location", "get_credentials_command", "instance_connection_name",
            "app_service_account_email", "database_user", "image_repository", "helm_values",
            "database_bootstrap_command"} <= set(outputs)
    assert "gcloud container clusters get-credentials" in outputs["get_credentials_command"]["value"]
