# The application's identity. Pods obtain its tokens through Workload Identity
# (the Kubernetes ServiceAccount is bound below); no key is ever created.
resource "google_service_account" "app" {
  account_id   = var.app_service_account_id
  display_name = "hello-server application"
  description  = "Runs hello-server pods on GKE; connects to Cloud SQL through the Auth Proxy with IAM database authentication."

  depends_on = [google_project_service.enabled]
}

locals {
  # The Kubernetes ServiceAccount allowed to act as the application's Google
  # service account: namespace and name must match the Helm release.
  workload_identity_member = "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${var.kubernetes_service_account}]"

  app_project_roles = toset([
    "roles/cloudsql.client",       # open proxy connections (cloudsql.instances.connect)
    "roles/cloudsql.instanceUser", # log in with IAM database authentication
  ])
}

resource "google_project_iam_member" "app" {
  for_each = local.app_project_roles

  project = var.project_id
  role    = each.value
  member  = google_service_account.app.member
}

resource "google_service_account_iam_member" "workload_identity" {
  service_account_id = google_service_account.app.name
  role               = "roles/iam.workloadIdentityUser"
  member             = local.workload_identity_member

  # The identity pool PROJECT.svc.id.goog only exists once a cluster does.
  depends_on = [google_container_cluster.autopilot]
}

# Nodes run as a dedicated least-privilege service account instead of the
# Compute Engine default one (which may hold Editor, or nothing at all under the
# newer organisation policies).
resource "google_service_account" "nodes" {
  account_id   = "${substr(var.cluster_name, 0, 22)}-nodes"
  display_name = "${var.cluster_name} GKE nodes"
  description  = "Node identity of the GKE Autopilot cluster: logs, metrics and image pulls."

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "nodes" {
  project = var.project_id
  role    = "roles/container.defaultNodeServiceAccount"
  member  = google_service_account.nodes.member
}

resource "google_artifact_registry_repository_iam_member" "nodes_read" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.repository_id
  role       = "roles/artifactregistry.reader"
  member     = google_service_account.nodes.member
}
