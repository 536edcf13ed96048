provider "google" {
  project = var.project_id
  region  = var.region

  # Every resource that supports labels carries these, so cost reports and
  # inventories can be filtered by application.
  default_labels = var.labels
}

# The identity running Terraform: it becomes the database administrator when
# var.database_admin is left empty (see sql.tf).
data "google_client_openid_userinfo" "caller" {
  lifecycle {
    postcondition {
      condition     = var.database_admin != "" || self.email != ""
      error_message = "The identity running Terraform has no email (credentials without the userinfo.email scope): set database_admin."
    }
  }
}
