# Alertmanager configuration for GKE Managed Service for Prometheus. The
# managed Alertmanager (namespace gmp-system) reads it from the Secret
# `alertmanager`, key `alertmanager.yaml`, in namespace gmp-public (the
# OperatorConfig default). No file can be mounted next to it, so credentials
# are written inline; the output is sensitive for that reason.
#
# The routing tree and the inhibitions are those of deploy/compose/alertmanager.yml:
# severity=page goes to the pager, severity=ticket to the team's queue, a page
# silences the ticket of the same SLO and a missing target silences the rest.
terraform {
  required_version = ">= 1.6"
}

locals {
  # One Alertmanager receiver per severity; each lists the integrations of its
  # entries, grouped by type (empty types are left out).
  receivers = [
    for name in ["page", "ticket"] : merge({ name = name }, {
      for key, configs in {
        pagerduty_configs = [for r in var.receivers[name] : { routing_key = r.credential, send_resolved = true } if r.type == "pagerduty"]
        opsgenie_configs  = [for r in var.receivers[name] : { api_key = r.credential, send_resolved = true } if r.type == "opsgenie"]
        webhook_configs   = [for r in var.receivers[name] : { url = r.credential, send_resolved = true } if r.type == "webhook"]
        slack_configs = [
          for r in var.receivers[name] : {
            for k, v in { api_url = r.credential, channel = r.slack_channel, send_resolved = true } : k => v if v != null
          } if r.type == "slack"
        ]
      } : key => configs if length(configs) > 0
    })
  ]

  config = {
    route = {
      receiver        = "ticket"
      group_by        = var.group_by
      group_wait      = "30s"
      group_interval  = "5m"
      repeat_interval = var.ticket_repeat_interval
      routes = [
        { matchers = ["severity=\"page\""], receiver = "page", repeat_interval = var.page_repeat_interval },
        { matchers = ["severity=\"ticket\""], receiver = "ticket" },
      ]
    }
    inhibit_rules = [
      {
        source_matchers = ["severity=\"page\"", "sloth_slo=~\".+\""]
        target_matchers = ["severity=\"ticket\""]
        equal           = ["sloth_slo", "namespace", "job"]
      },
      {
        source_matchers = ["alertname=\"HelloServerTargetAbsent\""]
        target_matchers = ["alertname=~\"HelloServer.+\"", "alertname!=\"HelloServerTargetAbsent\""]
      },
    ]
    receivers = local.receivers
  }
}
