output "config_yaml" {
  description = "alertmanager.yaml for the Secret gmp-public/alertmanager (holds the receivers' credentials)."
  value       = yamlencode(local.config)
  sensitive   = true
}

output "receiver_types" {
  description = "Integration types configured per severity (no credentials), for plans and checks."
  value = {
    for name in ["page", "ticket"] : name => nonsensitive([for r in var.receivers[name] : r.type])
  }
}
