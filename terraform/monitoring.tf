# Cloud Monitoring dashboards: the Grafana dashboards of dashboards/ converted
# by scripts/dashboards/to_cloud_monitoring.py (PromQL widgets over the metrics
# Managed Service for Prometheus collects), so the panels are in the Cloud
# Console without running Grafana. The JSON files are generated and checked in
# (terraform/ stays self-contained); regenerate them with
# `make cloud-monitoring-dashboards` after editing a Grafana dashboard.
resource "google_monitoring_dashboard" "hello_server" {
  for_each = var.cloud_monitoring_dashboards ? fileset("${path.module}/dashboards", "*.json") : toset([])

  project        = var.project_id
  dashboard_json = file("${path.module}/dashboards/${each.value}")

  depends_on = [google_project_service.enabled]
}
