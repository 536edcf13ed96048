# GKE Autopilot: Google manages nodes, node security (Shielded nodes, COS,
# auto-upgrade), Workload Identity and Dataplane V2 network policy.
resource "google_container_cluster" "autopilot" {
  name     = var.cluster_name
  location = var.region

  enable_autopilot    = true
  deletion_protection = var.deletion_protection

  network    = google_compute_network.vpc.id
  subnetwork = google_compute_subnetwork.nodes.id

  ip_allocation_policy {
    cluster_secondary_range_name  = google_compute_subnetwork.nodes.secondary_ip_range[0].range_name
    services_secondary_range_name = google_compute_subnetwork.nodes.secondary_ip_range[1].range_name
  }

  # Legacy client certificates stay off; access is IAM only.
  master_auth {
    client_certificate_config {
      issue_client_certificate = false
    }
  }

  release_channel {
    channel = var.release_channel
  }

  # Nodes get internal addresses only; egress goes through Cloud NAT.
  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
  }

  # Operators reach the control plane through its DNS endpoint (authorised by
  # IAM, works from anywhere); the IP endpoint only accepts the listed ranges.
  control_plane_endpoints_config {
    dns_endpoint_config {
      allow_external_traffic = true
    }
  }

  master_authorized_networks_config {
    gcp_public_cidrs_access_enabled = false

    dynamic "cidr_blocks" {
      for_each = var.master_authorized_networks
      content {
        cidr_block   = cidr_blocks.value.cidr_block
        display_name = cidr_blocks.value.display_name
      }
    }
  }

  # Google Cloud Managed Service for Prometheus (on by default in Autopilot,
  # stated here so it is never switched off by accident) and the managed
  # kube-state-metrics packages the Kubernetes alerts and dashboards read
  # (var.monitoring_components; see monitoring.tf).
  monitoring_config {
    enable_components = var.monitoring_components

    managed_prometheus {
      enabled = true
    }
  }

  # Only images allowed by the project's Binary Authorization policy run.
  binary_authorization {
    evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
  }

  cluster_autoscaling {
    auto_provisioning_defaults {
      service_account = google_service_account.nodes.email
      oauth_scopes    = ["https://www.googleapis.com/auth/cloud-platform"]
    }
  }

  resource_labels = var.labels

  depends_on = [google_project_service.enabled, google_project_iam_member.nodes]
}
