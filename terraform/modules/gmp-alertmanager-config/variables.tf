variable "receivers" {
  description = <<-EOT
    Integrations that receive each severity: `page` (the on-call pager) and `ticket` (the team's queue). Each entry
    has a `type` (pagerduty, opsgenie, slack or webhook), its `credential` (PagerDuty Events API v2 routing key,
    Opsgenie API key, Slack incoming-webhook URL or webhook URL) and, for Slack, an optional `slack_channel`.
    A severity without entries keeps its alerts in Alertmanager (visible in its API) without notifying anyone.
  EOT
  type = object({
    page = optional(list(object({
      type          = string
      credential    = string
      slack_channel = optional(string)
    })), [])
    ticket = optional(list(object({
      type          = string
      credential    = string
      slack_channel = optional(string)
    })), [])
  })
  default   = {}
  nullable  = false
  sensitive = true

  validation {
    condition = alltrue([
      for r in concat(var.receivers.page, var.receivers.ticket) : contains(["pagerduty", "opsgenie", "slack", "webhook"], r.type)
    ])
    error_message = "every receivers entry needs type = pagerduty, opsgenie, slack or webhook."
  }

  validation {
    condition = alltrue([
      for r in concat(var.receivers.page, var.receivers.ticket) :
      !contains(["slack", "webhook"], r.type) || can(regex("^https://[^\\s]+$", r.credential))
    ])
    error_message = "slack and webhook receivers need an https:// URL as credential."
  }

  validation {
    condition = alltrue([
      for r in concat(var.receivers.page, var.receivers.ticket) :
      contains(["slack", "webhook"], r.type) || can(regex("^[A-Za-z0-9_-]{8,}$", r.credential))
    ])
    error_message = "pagerduty and opsgenie receivers need their routing/API key (letters, digits, '-' or '_') as credential."
  }

  validation {
    condition = alltrue([
      for r in concat(var.receivers.page, var.receivers.ticket) :
      r.slack_channel == null || (r.type == "slack" && can(regex("^[#@]?[a-z0-9._-]{1,80}$", r.slack_channel)))
    ])
    error_message = "slack_channel is only for slack receivers and must be a channel name such as #hello-alerts."
  }
}

variable "group_by" {
  description = "Labels that group alerts into one notification (the rule evaluator adds cluster, location and project_id to every alert)."
  type        = list(string)
  default     = ["alertname", "namespace", "job"]
  nullable    = false

  validation {
    condition     = length(var.group_by) > 0 && alltrue([for l in var.group_by : can(regex("^[a-zA-Z_][a-zA-Z0-9_]*$", l))])
    error_message = "group_by must list Prometheus label names."
  }
}

variable "page_repeat_interval" {
  description = "How often an unresolved page is sent again."
  type        = string
  default     = "1h"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+(m|h|d)$", var.page_repeat_interval))
    error_message = "page_repeat_interval must be a duration such as 30m, 1h or 1d."
  }
}

variable "ticket_repeat_interval" {
  description = "How often an unresolved ticket is sent again."
  type        = string
  default     = "4h"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+(m|h|d)$", var.ticket_repeat_interval))
    error_message = "ticket_repeat_interval must be a duration such as 4h or 1d."
  }
}
