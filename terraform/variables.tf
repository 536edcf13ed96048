variable "project_id" {
  description = "ID of the Google Cloud project that receives every resource (it must exist and have billing enabled)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 chars: lowercase letters, digits, hyphens; starts with a letter), not a project name or number."
  }
}

variable "region" {
  description = "Region for the GKE Autopilot cluster, the Cloud SQL instance, the subnet and the Artifact Registry repository."
  type        = string
  default     = "us-central1"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a region such as us-central1 or europe-west1 (not a zone such as us-central1-a)."
  }
}

variable "cluster_name" {
  description = "Name of the GKE Autopilot cluster."
  type        = string
  default     = "hello-world-cluster"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.cluster_name))
    error_message = "cluster_name must be 1-40 chars of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "release_channel" {
  description = "GKE release channel of the cluster (RAPID, REGULAR or STABLE)."
  type        = string
  default     = "REGULAR"
  nullable    = false

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.release_channel)
    error_message = "release_channel must be one of RAPID, REGULAR, STABLE."
  }
}

variable "master_authorized_networks" {
  description = <<-EOT
    CIDR ranges allowed to reach the cluster's IP-based control-plane endpoint. Empty by default: operators use the
    DNS-based endpoint (`get-credentials --dns-endpoint`), which is authorised by IAM rather than by source address.
  EOT
  type = list(object({
    cidr_block   = string
    display_name = string
  }))
  default  = []
  nullable = false

  validation {
    condition     = alltrue([for n in var.master_authorized_networks : can(cidrhost(n.cidr_block, 0))])
    error_message = "every master_authorized_networks[*].cidr_block must be a CIDR range such as 203.0.113.7/32."
  }
}

variable "namespace" {
  description = "Kubernetes namespace the Helm release is installed into (part of the Workload Identity member)."
  type        = string
  default     = "hello"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS-1123 label (lowercase letters, digits, hyphens; at most 63 chars)."
  }
}

variable "kubernetes_service_account" {
  description = "Name of the Kubernetes ServiceAccount the pods run as (the chart's serviceAccount.name; part of the Workload Identity member)."
  type        = string
  default     = "hello-server"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.kubernetes_service_account))
    error_message = "kubernetes_service_account must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')."
  }
}

variable "app_service_account_id" {
  description = "Account ID (the part before @) of the Google service account the application runs as."
  type        = string
  default     = "hello-server"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.app_service_account_id))
    error_message = "app_service_account_id must be 6-30 chars of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "sql_instance_name" {
  description = "Name of the Cloud SQL instance. Cloud SQL reserves a deleted instance's name for up to a week: pick a new one when recreating."
  type        = string
  default     = "hello-postgres"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,96}[a-z0-9])?$", var.sql_instance_name))
    error_message = "sql_instance_name must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "database_version" {
  description = "Cloud SQL database version (a PostgreSQL major, POSTGRES_15 or newer: the privilege model in docs/deploy.md assumes 15+)."
  type        = string
  default     = "POSTGRES_18"
  nullable    = false

  validation {
    condition     = can(regex("^POSTGRES_(1[5-9]|[2-9][0-9])$", var.database_version))
    error_message = "database_version must be POSTGRES_15 or newer, e.g. POSTGRES_18."
  }
}

variable "database_edition" {
  description = "Cloud SQL edition: ENTERPRISE (db-custom-* tiers) or ENTERPRISE_PLUS (db-perf-optimized-N-* tiers)."
  type        = string
  default     = "ENTERPRISE"
  nullable    = false

  validation {
    condition     = contains(["ENTERPRISE", "ENTERPRISE_PLUS"], var.database_edition)
    error_message = "database_edition must be ENTERPRISE or ENTERPRISE_PLUS."
  }
}

variable "database_tier" {
  description = "Machine tier of the Cloud SQL instance; it must belong to database_edition."
  type        = string
  default     = "db-custom-1-3840"
  nullable    = false

  validation {
    condition     = can(regex("^db-(custom-[0-9]+-[0-9]+|perf-optimized-N-[0-9]+|f1-micro|g1-small)$", var.database_tier))
    error_message = "database_tier must be a Cloud SQL tier such as db-custom-1-3840 or db-perf-optimized-N-2."
  }
}

variable "availability_type" {
  description = "ZONAL (single zone, cheaper; fine for a demo) or REGIONAL (synchronous standby in a second zone; use it in production)."
  type        = string
  default     = "REGIONAL"
  nullable    = false

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.availability_type)
    error_message = "availability_type must be ZONAL or REGIONAL."
  }
}

variable "database_disk_size_gb" {
  description = "Initial SSD size of the Cloud SQL instance in GB (it grows automatically)."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.database_disk_size_gb >= 10 && floor(var.database_disk_size_gb) == var.database_disk_size_gb
    error_message = "database_disk_size_gb must be a whole number of at least 10."
  }
}

variable "database_name" {
  description = "Name of the PostgreSQL database created for the application (the chart's database.name)."
  type        = string
  default     = "hello"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier (letters, digits, underscores; at most 63 chars)."
  }
}

variable "database_admin" {
  description = <<-EOT
    Email of the human user or service account that administers the database through IAM (member of
    cloudsqlsuperuser, no password). Empty means the identity running Terraform. It runs the one-time grant in
    docs/deploy.md; the application itself never gets cloudsqlsuperuser.
  EOT
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.database_admin == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[a-z]+$", var.database_admin))
    error_message = "database_admin must be empty or an email address (user@example.com or name@project.iam.gserviceaccount.com)."
  }
}

variable "database_data_api_access" {
  description = "Allow IAM-authenticated SQL through the Cloud SQL Data API (`gcloud sql instances execute-sql`), used for the one-time grant on this private-IP-only instance."
  type        = bool
  default     = true
  nullable    = false
}

variable "backup_retained_count" {
  description = "Number of automated daily backups Cloud SQL keeps."
  type        = number
  default     = 14
  nullable    = false

  validation {
    condition     = var.backup_retained_count >= 1 && var.backup_retained_count <= 365
    error_message = "backup_retained_count must be between 1 and 365."
  }
}

variable "pitr_log_retention_days" {
  description = "Days of write-ahead log kept for point-in-time recovery (1-7 for ENTERPRISE, up to 35 for ENTERPRISE_PLUS)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.pitr_log_retention_days >= 1 && var.pitr_log_retention_days <= 35
    error_message = "pitr_log_retention_days must be between 1 and 35."
  }
}

variable "deletion_protection" {
  description = "Protect the GKE cluster and the Cloud SQL instance (both Terraform's and the API's flag) from deletion. Set false only to tear down."
  type        = bool
  default     = true
  nullable    = false
}

variable "artifact_repository_id" {
  description = "ID of the Artifact Registry Docker repository that holds the application image."
  type        = string
  default     = "hello-server"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.artifact_repository_id))
    error_message = "artifact_repository_id must be lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "image_keep_count" {
  description = "Cleanup policy: the most recent image versions that are always kept."
  type        = number
  default     = 10
  nullable    = false

  validation {
    condition     = var.image_keep_count >= 1
    error_message = "image_keep_count must be at least 1."
  }
}

variable "network_cidrs" {
  description = "Address plan: node subnet, Pod and Service secondary ranges (VPC-native), and the range reserved for private services access (Cloud SQL)."
  type = object({
    nodes            = string
    pods             = string
    services         = string
    private_services = string
  })
  default = {
    nodes            = "10.10.0.0/20"
    pods             = "10.64.0.0/14"
    services         = "10.68.0.0/20"
    private_services = "10.100.0.0/16"
  }
  nullable = false

  validation {
    condition     = alltrue([for c in values(var.network_cidrs) : can(cidrhost(c, 0))])
    error_message = "every network_cidrs entry (nodes, pods, services, private_services) must be a CIDR range."
  }
}

variable "labels" {
  description = "Labels added to every resource that supports them."
  type        = map(string)
  default = {
    app        = "hello-server"
    managed-by = "terraform"
  }
  nullable = false

  validation {
    condition     = alltrue([for k, v in var.labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))])
    error_message = "labels keys must start with a lowercase letter; keys and values may hold lowercase letters, digits, '_' and '-' (at most 63 chars)."
  }
}

# --- Monitoring on the GKE default path (alertmanager.tf, monitoring.tf) ---

variable "alert_receivers" {
  description = <<-EOT
    Who the managed Alertmanager notifies, per alert severity: `page` (the on-call pager) and `ticket` (the team's
    queue). Each entry has a `type` (pagerduty, opsgenie, slack or webhook), the ID of the Secret Manager secret in
    this project whose latest version holds its credential (PagerDuty Events API v2 routing key, Opsgenie API key,
    Slack incoming-webhook URL or webhook URL) and, for Slack, an optional `slack_channel`. Empty by default: alerts
    are then kept in Alertmanager without notifying anyone (see docs/deploy.md).
  EOT
  type = object({
    page = optional(list(object({
      type          = string
      secret        = string
      slack_channel = optional(string)
    })), [])
    ticket = optional(list(object({
      type          = string
      secret        = string
      slack_channel = optional(string)
    })), [])
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      for r in concat(var.alert_receivers.page, var.alert_receivers.ticket) :
      contains(["pagerduty", "opsgenie", "slack", "webhook"], r.type) && can(regex("^[A-Za-z0-9_-]{1,255}$", r.secret))
    ])
    error_message = "every alert_receivers entry needs type = pagerduty, opsgenie, slack or webhook and secret = a Secret Manager secret ID (letters, digits, '-', '_')."
  }

  validation {
    condition = alltrue([
      for r in concat(var.alert_receivers.page, var.alert_receivers.ticket) :
      r.slack_channel == null || (r.type == "slack" && can(regex("^[#@]?[a-z0-9._-]{1,80}$", coalesce(r.slack_channel, "-"))))
    ])
    error_message = "slack_channel is only for slack receivers and must be a channel name such as #hello-alerts."
  }
}

variable "monitoring_components" {
  description = <<-EOT
    GKE monitoring components (monitoring_config.enable_components): SYSTEM_COMPONENTS plus the managed
    kube-state-metrics packages. POD and HPA feed the Kubernetes alerts (alerts/kubernetes.yaml) and the resources
    dashboard; the default is the whole kube-state-metrics package (JOBSET needs GKE 1.32.1 or later).
  EOT
  type        = list(string)
  default     = ["SYSTEM_COMPONENTS", "STORAGE", "POD", "DEPLOYMENT", "STATEFULSET", "DAEMONSET", "HPA", "JOBSET"]
  nullable    = false

  validation {
    condition     = alltrue([for c in ["SYSTEM_COMPONENTS", "POD", "HPA"] : contains(var.monitoring_components, c)])
    error_message = "monitoring_components must include SYSTEM_COMPONENTS (required by the packages), POD and HPA (read by the Kubernetes alerts)."
  }

  validation {
    condition = alltrue([for c in var.monitoring_components : contains([
      "SYSTEM_COMPONENTS", "APISERVER", "SCHEDULER", "CONTROLLER_MANAGER", "STORAGE", "POD", "DEPLOYMENT",
      "STATEFULSET", "DAEMONSET", "HPA", "JOBSET", "CADVISOR", "KUBELET", "DCGM",
    ], c)])
    error_message = "monitoring_components may only hold GKE monitoring components such as SYSTEM_COMPONENTS, POD, DEPLOYMENT, HPA, STORAGE."
  }
}

variable "cloud_monitoring_dashboards" {
  description = "Create the Cloud Monitoring dashboards generated from the Grafana dashboards (terraform/dashboards/*.json)."
  type        = bool
  default     = true
  nullable    = false
}

variable "release_keyring_name" {
  description = "Cloud KMS key ring holding the release signing key (key rings cannot be deleted: pick a new name to start over)."
  type        = string
  default     = "hello-server-release"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,63}$", var.release_keyring_name))
    error_message = "release_keyring_name must be 1-63 letters, digits, '_' or '-'."
  }
}

variable "release_key_protection_level" {
  description = "Protection level of the release signing key: HSM (FIPS 140-2 Level 3 hardware) or SOFTWARE."
  type        = string
  default     = "HSM"
  nullable    = false

  validation {
    condition     = contains(["HSM", "SOFTWARE"], var.release_key_protection_level)
    error_message = "release_key_protection_level must be HSM or SOFTWARE."
  }
}

variable "release_key_version" {
  description = "Version of the release signing key whose public key the attestor trusts (raise it after adding a version when rotating)."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.release_key_version >= 1 && floor(var.release_key_version) == var.release_key_version
    error_message = "release_key_version must be a whole number of at least 1."
  }
}

variable "attestor_name" {
  description = "Binary Authorization attestor that vouches for release-signed images (its note is <name>-note)."
  type        = string
  default     = "hello-server-release"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,57}[a-z0-9]$", var.attestor_name))
    error_message = "attestor_name must be 2-59 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "binauthz_enforcement_mode" {
  description = "What happens to an image without a valid attestation: ENFORCED_BLOCK_AND_AUDIT_LOG (refused) or DRYRUN_AUDIT_LOG_ONLY (admitted, logged; for a first rollout only)."
  type        = string
  default     = "ENFORCED_BLOCK_AND_AUDIT_LOG"
  nullable    = false

  validation {
    condition     = contains(["ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY"], var.binauthz_enforcement_mode)
    error_message = "binauthz_enforcement_mode must be ENFORCED_BLOCK_AND_AUDIT_LOG or DRYRUN_AUDIT_LOG_ONLY."
  }
}

variable "binauthz_allowlist_patterns" {
  description = <<-EOT
    Images admitted without an attestation, as Binary Authorization name patterns (registry/path/image with an
    optional trailing * that also matches :tag and @digest). Default: the Cloud SQL Auth Proxy the chart runs as a
    sidecar. Google-maintained system images are admitted by the global policy and need no entry here.
  EOT
  type        = list(string)
  default     = ["gcr.io/cloud-sql-connectors/cloud-sql-proxy*"]
  nullable    = false

  validation {
    condition     = alltrue([for p in var.binauthz_allowlist_patterns : can(regex("^[a-z0-9.-]+(:[0-9]+)?/[^*\\s]+[*]{0,2}$", p))])
    error_message = "every binauthz_allowlist_patterns entry must be registry/path/image with at most a trailing * or ** (a bare registry or wildcard would admit everything)."
  }
}

variable "releaser_service_account_id" {
  description = "Account ID of the service account the release pipeline acts as (push, sign, attest)."
  type        = string
  default     = "hello-server-releaser"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.releaser_service_account_id))
    error_message = "releaser_service_account_id must be 6-30 chars of lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose tag workflows may act as the releaser through Workload Identity Federation. Empty: no federation (release from elsewhere)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.github_repository == "" || can(regex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", var.github_repository))
    error_message = "github_repository must be empty or owner/name."
  }
}

variable "image_digest" {
  description = "Digest (sha256:...) of the signed release image the Helm values pin; empty until the first release is pushed. Binary Authorization admits only attested digests, so production values always carry one."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.image_digest == "" || can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must be empty or sha256: followed by 64 lowercase hex digits."
  }
}

variable "proxy_image_digest" {
  description = "Digest (sha256:...) of the Cloud SQL Auth Proxy image for the chart's cloudSqlProxy.image.digest; empty keeps the chart's pinned tag."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.proxy_image_digest == "" || can(regex("^sha256:[a-f0-9]{64}$", var.proxy_image_digest))
    error_message = "proxy_image_digest must be empty or sha256: followed by 64 lowercase hex digits."
  }
}
