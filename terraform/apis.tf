# Only the APIs this configuration uses. They stay enabled on destroy: other
# workloads in the project may depend on them, and disabling is disruptive.
locals {
  services = toset([
    "artifactregistry.googleapis.com",     # image repository
    "binaryauthorization.googleapis.com",  # admission policy enforced by the cluster
    "cloudkms.googleapis.com",             # release signing key
    "cloudresourcemanager.googleapis.com", # project IAM bindings
    "compute.googleapis.com",              # VPC, subnet, router, NAT
    "container.googleapis.com",            # GKE Autopilot
    "containeranalysis.googleapis.com",    # attestations (Binary Authorization notes and occurrences)
    "iam.googleapis.com",                  # application service account
    "iamcredentials.googleapis.com",       # Workload Identity token exchange
    "monitoring.googleapis.com",           # Managed Prometheus, Cloud Monitoring dashboards
    "secretmanager.googleapis.com",        # Alertmanager receivers' credentials
    "sts.googleapis.com",                  # Workload Identity Federation for the release workflow
    "servicenetworking.googleapis.com",    # private services access for Cloud SQL
    "sqladmin.googleapis.com",             # Cloud SQL, its Auth Proxy and Data API
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
