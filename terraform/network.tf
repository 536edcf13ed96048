# A dedicated VPC-native network: nodes in one subnet, Pods and Services in
# secondary ranges, Cloud SQL reached over private services access.
resource "google_compute_network" "vpc" {
  name                    = "${var.cluster_name}-vpc"
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"

  depends_on = [google_project_service.enabled]
}

resource "google_compute_subnetwork" "nodes" {
  name          = "${var.cluster_name}-nodes"
  region        = var.region
  network       = google_compute_network.vpc.id
  ip_cidr_range = var.network_cidrs.nodes

  # Private nodes reach Google APIs (Artifact Registry, Cloud SQL Admin API,
  # logging) without external addresses.
  private_ip_google_access = true

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = var.network_cidrs.pods
  }

  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = var.network_cidrs.services
  }

  log_config {
    aggregation_interval = "INTERVAL_5_SEC"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Nothing reaches the nodes unless a rule allows it. GKE adds its own allow
# rules (control plane, load balancer health checks) at higher priority; this
# rule makes the default explicit.
resource "google_compute_firewall" "deny_ingress" {
  name      = "${var.cluster_name}-deny-ingress"
  network   = google_compute_network.vpc.id
  direction = "INGRESS"
  priority  = 65534

  source_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }
}

# Private services access: Cloud SQL gets an address from this range inside a
# Google-managed VPC peered with ours, so the instance needs no public IP.
resource "google_compute_global_address" "private_services" {
  name          = "${var.cluster_name}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  network       = google_compute_network.vpc.id
  address       = cidrhost(var.network_cidrs.private_services, 0)
  prefix_length = tonumber(split("/", var.network_cidrs.private_services)[1])
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.vpc.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]

  # Deleting the peering fails while Cloud SQL still holds addresses in it (the
  # instance is released asynchronously); abandoning it lets destroy finish and
  # the network deletion removes the peering.
  deletion_policy = "ABANDON"
}

# Private nodes have no external IPs: Cloud NAT gives them egress for images
# hosted outside Google (the Cloud SQL Auth Proxy image is on Google's network
# and needs none).
resource "google_compute_router" "nat" {
  name    = "${var.cluster_name}-router"
  region  = var.region
  network = google_compute_network.vpc.id
}

resource "google_compute_router_nat" "nat" {
  name                               = "${var.cluster_name}-nat"
  router                             = google_compute_router.nat.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}
