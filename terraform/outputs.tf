locals {
  image_repository = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/hello-server"

  # One-time, idempotent grant run by the database administrator through the
  # Data API: the application may create its tables in schema public.
  database_bootstrap_sql = "GRANT USAGE, CREATE ON SCHEMA public TO \"${google_sql_user.app.name}\";"
}

output "cluster_name" {
  description = "Name of the GKE Autopilot cluster."
  value       = google_container_cluster.autopilot.name
}

output "cluster_location" {
  description = "Region of the GKE Autopilot cluster."
  value       = google_container_cluster.autopilot.location
}

output "get_credentials_command" {
  description = "Writes a kubeconfig entry for the cluster (through its IAM-authorised DNS endpoint)."
  value       = "gcloud container clusters get-credentials ${google_container_cluster.autopilot.name} --location ${google_container_cluster.autopilot.location} --project ${var.project_id} --dns-endpoint"
}

output "instance_connection_name" {
  description = "Cloud SQL instance connection name (PROJECT:REGION:INSTANCE) for the Auth Proxy."
  value       = google_sql_database_instance.postgres.connection_name
}

output "app_service_account_email" {
  description = "Google service account the pods act as through Workload Identity."
  value       = google_service_account.app.email
}

output "database_user" {
  description = "IAM database user of the application (service account email without .gserviceaccount.com)."
  value       = google_sql_user.app.name
}

output "database_name" {
  description = "PostgreSQL database of the application."
  value       = google_sql_database.app.name
}

output "workload_identity_member" {
  description = "IAM member of the Kubernetes ServiceAccount allowed to act as the application service account."
  value       = local.workload_identity_member
}

output "image_repository" {
  description = "Image repository in Artifact Registry (without tag), used by `make push` and the Helm values."
  value       = local.image_repository
}

output "database_bootstrap_command" {
  description = "Run once after the first apply (as database_admin): lets the application's migrations create tables."
  value       = "gcloud sql instances execute-sql ${google_sql_database_instance.postgres.name} --project ${var.project_id} --database ${google_sql_database.app.name} --sql '${local.database_bootstrap_sql}'"
}

output "helm_values" {
  description = "Values for chart/hello-server: terraform output -raw helm_values > values-gke.yaml"
  value = templatefile("${path.module}/helm-values.yaml.tftpl", {
    namespace                  = var.namespace
    image_repository           = local.image_repository
    image_digest               = var.image_digest
    proxy_image_digest         = var.proxy_image_digest
    project_id                 = var.project_id
    kubernetes_service_account = var.kubernetes_service_account
    gcp_service_account        = google_service_account.app.email
    database_name              = google_sql_database.app.name
    database_user              = google_sql_user.app.name
    instance_connection_name   = google_sql_database_instance.postgres.connection_name
  })
}

output "alertmanager_config" {
  description = "alertmanager.yaml for the managed Alertmanager (Secret gmp-public/alertmanager, key alertmanager.yaml); holds the receivers' credentials. `make gmp-alertmanager` applies it."
  value       = module.alertmanager_config.config_yaml
  sensitive   = true
}

output "alert_receiver_types" {
  description = "Integration types the managed Alertmanager notifies, per severity (no credentials)."
  value       = module.alertmanager_config.receiver_types
}

output "cloud_monitoring_dashboards" {
  description = "Cloud Monitoring dashboards created from the Grafana dashboards (file name => dashboard ID)."
  value       = { for file, d in google_monitoring_dashboard.hello_server : file => d.id }
}

output "release_signing_key" {
  description = "cosign key reference of the release signing key (cosign sign --key ...; its public half: cosign public-key --key ...)."
  value       = "gcpkms://${data.google_kms_crypto_key_version.image_signing.id}"
}

output "release_key_version" {
  description = "Cloud KMS key version that signs releases (gcloud ... binauthz attestations sign-and-create --keyversion)."
  value       = trimprefix(data.google_kms_crypto_key_version.image_signing.id, "//cloudkms.googleapis.com/v1/")
}

output "attestor" {
  description = "Binary Authorization attestor the admission policy requires (projects/PROJECT/attestors/NAME)."
  value       = "projects/${var.project_id}/attestors/${google_binary_authorization_attestor.release.name}"
}

output "release_service_account" {
  description = "Service account the release workflow acts as (push, sign, attest)."
  value       = google_service_account.releaser.email
}

output "workload_identity_provider" {
  description = "Workload Identity Federation provider for the GitHub release workflow (empty without github_repository)."
  value       = var.github_repository == "" ? "" : google_iam_workload_identity_pool_provider.github[0].name
}

output "chart_repository" {
  description = "OCI repository the release pushes the Helm chart to (helm push ... <this>)."
  value       = "oci://${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}/charts"
}
