# Cloud SQL for PostgreSQL, reachable only on its private address through the
# Cloud SQL Auth Proxy sidecar (mTLS + IAM database authentication).
locals {
  # IAM database user names are the service account email without the
  # ".gserviceaccount.com" suffix (PostgreSQL's 63-byte identifier limit).
  app_database_user = trimsuffix(google_service_account.app.email, ".gserviceaccount.com")

  # The database administrator: var.database_admin, or whoever runs Terraform.
  database_admin_email      = var.database_admin != "" ? var.database_admin : data.google_client_openid_userinfo.caller.email
  database_admin_is_service = endswith(local.database_admin_email, ".gserviceaccount.com")
  database_admin_user       = local.database_admin_is_service ? trimsuffix(local.database_admin_email, ".gserviceaccount.com") : local.database_admin_email
  database_admin_member     = "${local.database_admin_is_service ? "serviceAccount" : "user"}:${local.database_admin_email}"
}

resource "google_sql_database_instance" "postgres" {
  name                = var.sql_instance_name
  region              = var.region
  database_version    = var.database_version
  deletion_protection = var.deletion_protection # Terraform refuses to destroy it

  settings {
    edition                     = var.database_edition
    tier                        = var.database_tier
    availability_type           = var.availability_type
    deletion_protection_enabled = var.deletion_protection # the API refuses to delete it
    disk_type                   = "PD_SSD"
    disk_size                   = var.database_disk_size_gb
    disk_autoresize             = true
    user_labels                 = var.labels

    # Only the Cloud SQL Auth Proxy / connectors may connect, and the Data API
    # serves IAM-authenticated administration (see docs/deploy.md).
    connector_enforcement = "REQUIRED"
    data_api_access       = var.database_data_api_access ? "ALLOW_DATA_API" : "DISALLOW_DATA_API"

    ip_configuration {
      ipv4_enabled    = false # no public IP
      private_network = google_compute_network.vpc.id
      # The Auth Proxy always presents a client certificate issued by the
      # instance, so requiring one costs nothing and rejects anything else.
      ssl_mode = "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = "02:00" # UTC
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = var.pitr_log_retention_days

      backup_retention_settings {
        retained_backups = var.backup_retained_count
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = 7 # Sunday
      hour         = 3 # UTC, after the backup window
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      query_string_length     = 1024
      record_application_tags = true
      record_client_address   = false
    }

    # Flags for IAM login, audit and the logging CIS benchmarks expect. Only DDL
    # statement text is logged (other statements may carry personal data); Query
    # Insights covers per-query latency.
    database_flags {
      name  = "cloudsql.iam_authentication" # IAM database users, no passwords
      value = "on"
    }
    database_flags {
      name  = "cloudsql.enable_pgaudit" # pgAudit available for audit logging
      value = "on"
    }
    database_flags {
      name  = "log_checkpoints" # checkpoint activity in the logs
      value = "on"
    }
    database_flags {
      name  = "log_connections" # every connection attempt
      value = "on"
    }
    database_flags {
      name  = "log_disconnections" # session end and duration
      value = "on"
    }
    database_flags {
      name  = "log_lock_waits" # waits longer than deadlock_timeout
      value = "on"
    }
    database_flags {
      name  = "log_temp_files" # every temporary file spill
      value = "0"
    }
    database_flags {
      name  = "log_min_messages" # severity written to the server log
      value = "error"
    }
    database_flags {
      name  = "log_min_error_statement" # statements causing errors
      value = "error"
    }
    database_flags {
      name  = "log_min_duration_statement" # no statement text (may hold personal data)
      value = "-1"
    }
    database_flags {
      name  = "log_statement" # schema changes (migrations) are audited
      value = "ddl"
    }
    database_flags {
      name  = "log_hostname" # no reverse DNS lookups per connection
      value = "off"
    }
    database_flags {
      name  = "log_error_verbosity" # message, detail and hint; no source locations
      value = "default"
    }
  }

  lifecycle {
    precondition {
      condition     = (var.database_edition == "ENTERPRISE_PLUS") == startswith(var.database_tier, "db-perf-optimized-")
      error_message = "database_tier ${var.database_tier} does not belong to database_edition ${var.database_edition}: ENTERPRISE_PLUS takes db-perf-optimized-N-* tiers, ENTERPRISE the others."
    }
    precondition {
      condition     = var.database_edition == "ENTERPRISE_PLUS" || var.pitr_log_retention_days <= 7
      error_message = "pitr_log_retention_days above 7 needs database_edition ENTERPRISE_PLUS."
    }
  }

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database" "app" {
  name     = var.database_name
  instance = google_sql_database_instance.postgres.name
}

# The application's database login: its Google service account through IAM
# authentication. No built-in (password) user is created.
resource "google_sql_user" "app" {
  name     = local.app_database_user
  instance = google_sql_database_instance.postgres.name
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
}

# The administrator's IAM login, member of cloudsqlsuperuser. It runs the
# one-time GRANT that lets the application create its tables in schema public
# (PostgreSQL 15+ gives PUBLIC no CREATE there), so the application itself
# never needs cloudsqlsuperuser.
resource "google_sql_user" "admin" {
  name           = local.database_admin_user
  instance       = google_sql_database_instance.postgres.name
  type           = local.database_admin_is_service ? "CLOUD_IAM_SERVICE_ACCOUNT" : "CLOUD_IAM_USER"
  database_roles = ["cloudsqlsuperuser"]
}

resource "google_project_iam_member" "database_admin" {
  project = var.project_id
  role    = "roles/cloudsql.instanceUser" # IAM login and the Data API (cloudsql.instances.executeSql)
  member  = local.database_admin_member
}
