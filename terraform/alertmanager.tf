# Where alerts go on the GKE default path: the rule evaluator of Managed
# Service for Prometheus sends the chart's `Rules` alerts to the managed
# Alertmanager, which reads its configuration from the Secret
# gmp-public/alertmanager (key alertmanager.yaml). Terraform renders that
# configuration (output `alertmanager_config`); `make gmp-alertmanager` writes
# it into the cluster. Credentials never sit in this repository or in tfvars:
# each receiver names a Secret Manager secret whose latest version holds its
# routing key or webhook URL.

locals {
  alert_receiver_secrets = toset([
    for r in concat(var.alert_receivers.page, var.alert_receivers.ticket) : r.secret
  ])
}

data "google_secret_manager_secret_version" "alert_receiver" {
  for_each = local.alert_receiver_secrets

  project = var.project_id
  secret  = each.value
}

module "alertmanager_config" {
  source = "./modules/gmp-alertmanager-config"

  receivers = {
    for severity in ["page", "ticket"] : severity => [
      # trimspace: a trailing newline (a secret stored with `echo`) is not part of a key or URL.
      for r in var.alert_receivers[severity] : {
        type          = r.type
        credential    = trimspace(data.google_secret_manager_secret_version.alert_receiver[r.secret].secret_data)
        slack_channel = r.slack_channel
      }
    ]
  }
}
