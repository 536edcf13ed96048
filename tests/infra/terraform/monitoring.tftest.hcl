# The GKE monitoring path against a mocked google provider (real schema, no API
# calls): managed kube-state-metrics packages, the Cloud Monitoring dashboards
# from the generated JSON, and the managed Alertmanager configuration built
# from Secret Manager receivers.

mock_provider "google" {
  mock_data "google_client_openid_userinfo" {
    defaults = {
      email = "admin@example.com"
    }
  }

  # Stored with `echo`: the trailing newline must not reach the Alertmanager config.
  mock_data "google_secret_manager_secret_version" {
    defaults = {
      secret_data = "https://hooks.example.com/services/hello\n"
    }
  }
}

variables {
  project_id = "acme-hello-prod"
}

run "kube_state_metrics_and_managed_prometheus" {
  command = plan

  assert {
    condition     = google_container_cluster.autopilot.monitoring_config[0].managed_prometheus[0].enabled
    error_message = "Managed Service for Prometheus must stay enabled"
  }

  assert {
    condition = alltrue([
      for c in ["SYSTEM_COMPONENTS", "POD", "HPA", "DEPLOYMENT"] : contains(google_container_cluster.autopilot.monitoring_config[0].enable_components, c)
    ])
    error_message = "the kube-state-metrics packages the Kubernetes alerts read (POD, HPA) must be enabled"
  }
}

run "dashboards_from_the_generated_json" {
  command = plan

  assert {
    condition     = length(google_monitoring_dashboard.hello_server) == 3
    error_message = "one Cloud Monitoring dashboard per Grafana dashboard"
  }

  assert {
    condition     = jsondecode(google_monitoring_dashboard.hello_server["hello-server-overview.json"].dashboard_json).displayName == "hello-server / Service overview"
    error_message = "the overview dashboard must come from terraform/dashboards/hello-server-overview.json"
  }

  assert {
    condition     = alltrue([for d in google_monitoring_dashboard.hello_server : d.project == "acme-hello-prod"])
    error_message = "dashboards belong to the project"
  }

  assert {
    condition     = google_project_service.enabled["monitoring.googleapis.com"].service == "monitoring.googleapis.com"
    error_message = "the Cloud Monitoring API must be enabled"
  }
}

run "dashboards_can_be_left_out" {
  command = plan

  variables {
    cloud_monitoring_dashboards = false
  }

  assert {
    condition     = length(google_monitoring_dashboard.hello_server) == 0
    error_message = "cloud_monitoring_dashboards=false must create no dashboard"
  }
}

run "no_receivers_by_default" {
  command = plan

  assert {
    condition     = length(data.google_secret_manager_secret_version.alert_receiver) == 0
    error_message = "no secret is read when no receiver is configured"
  }

  assert {
    condition     = yamldecode(output.alertmanager_config).receivers == [{ name = "page" }, { name = "ticket" }]
    error_message = "without receivers the config keeps both receivers, without integrations"
  }

  assert {
    condition     = yamldecode(output.alertmanager_config).route.routes[0].receiver == "page"
    error_message = "severity=page must route to the page receiver"
  }
}

run "receivers_from_secret_manager" {
  command = plan

  variables {
    alert_receivers = {
      page   = [{ type = "slack", secret = "alertmanager-page-slack", slack_channel = "#hello-oncall" }]
      ticket = [{ type = "webhook", secret = "alertmanager-ticket-webhook" }, { type = "slack", secret = "alertmanager-page-slack" }]
    }
  }

  assert {
    condition     = toset(keys(data.google_secret_manager_secret_version.alert_receiver)) == toset(["alertmanager-page-slack", "alertmanager-ticket-webhook"])
    error_message = "each named secret is read once"
  }

  assert {
    condition     = data.google_secret_manager_secret_version.alert_receiver["alertmanager-ticket-webhook"].project == "acme-hello-prod"
    error_message = "receiver secrets are read from the project"
  }

  assert {
    condition     = yamldecode(output.alertmanager_config).receivers[0].slack_configs[0] == { api_url = "https://hooks.example.com/services/hello", channel = "#hello-oncall", send_resolved = true }
    error_message = "the page receiver must carry the Slack webhook from Secret Manager and its channel"
  }

  assert {
    condition     = yamldecode(output.alertmanager_config).receivers[1].webhook_configs[0].url == "https://hooks.example.com/services/hello"
    error_message = "the ticket receiver must carry the webhook URL from Secret Manager"
  }

  assert {
    condition     = output.alert_receiver_types == { page = ["slack"], ticket = ["webhook", "slack"] }
    error_message = "alert_receiver_types must list the integrations per severity"
  }
}

run "rejects_invalid_receivers_and_components" {
  command = plan

  variables {
    alert_receivers = {
      page = [{ type = "email", secret = "projects/x/secrets/y" }]
    }
    monitoring_components = ["SYSTEM_COMPONENTS", "DEPLOYMENT"]
  }

  expect_failures = [var.alert_receivers, var.monitoring_components]
}
