# Runs the whole configuration against a mocked google provider (real schema,
# no API calls): the values the next deployment steps consume come out right.

mock_provider "google" {
  mock_data "google_client_openid_userinfo" {
    defaults = {
      email = "admin@example.com"
    }
  }

  # The release key's public half (binauthz.tf); the attestor indexes public_key[0].
  mock_data "google_kms_crypto_key_version" {
    defaults = {
      id = "//cloudkms.googleapis.com/v1/projects/acme-hello-prod/locations/us-central1/keyRings/hello-server-release/cryptoKeys/image-signing/cryptoKeyVersions/1"
      public_key = [{
        algorithm = "EC_SIGN_P256_SHA256"
        pem       = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
      }]
    }
  }
}

override_resource {
  target = google_service_account.app
  values = {
    email  = "hello-server@acme-hello-prod.iam.gserviceaccount.com"
    member = "serviceAccount:hello-server@acme-hello-prod.iam.gserviceaccount.com"
    name   = "projects/acme-hello-prod/serviceAccounts/hello-server@acme-hello-prod.iam.gserviceaccount.com"
  }
}

override_resource {
  target = google_service_account.releaser
  values = {
    email  = "hello-server-releaser@acme-hello-prod.iam.gserviceaccount.com"
    member = "serviceAccount:hello-server-releaser@acme-hello-prod.iam.gserviceaccount.com"
    name   = "projects/acme-hello-prod/serviceAccounts/hello-server-releaser@acme-hello-prod.iam.gserviceaccount.com"
  }
}

override_resource {
  target = google_service_account.nodes
  values = {
    email  = "hello-world-cluster-nodes@acme-hello-prod.iam.gserviceaccount.com"
    member = "serviceAccount:hello-world-cluster-nodes@acme-hello-prod.iam.gserviceaccount.com"
  }
}

override_resource {
  target = google_compute_network.vpc
  values = {
    id = "projects/acme-hello-prod/global/networks/hello-world-cluster-vpc"
  }
}

override_resource {
  target = google_compute_subnetwork.nodes
  values = {
    id = "projects/acme-hello-prod/regions/us-central1/subnetworks/hello-world-cluster-nodes"
  }
}

override_resource {
  target = google_sql_database_instance.postgres
  values = {
    connection_name = "acme-hello-prod:us-central1:hello-postgres"
  }
}

variables {
  project_id = "acme-hello-prod"
}

run "defaults" {
  command = apply # against the mock: nothing leaves this machine

  assert {
    condition     = output.workload_identity_member == "serviceAccount:acme-hello-prod.svc.id.goog[hello/hello-server]"
    error_message = "Workload Identity member does not match namespace hello / ServiceAccount hello-server"
  }

  assert {
    condition     = google_sql_user.app.name == "hello-server@acme-hello-prod.iam" && google_sql_user.app.type == "CLOUD_IAM_SERVICE_ACCOUNT"
    error_message = "the application's database user must be its IAM service account login"
  }

  assert {
    condition     = google_sql_user.app.database_roles == null || length(coalesce(google_sql_user.app.database_roles, [])) == 0
    error_message = "the application must not receive database roles such as cloudsqlsuperuser"
  }

  assert {
    condition     = google_sql_user.admin.name == "admin@example.com" && google_sql_user.admin.type == "CLOUD_IAM_USER"
    error_message = "the database administrator defaults to the identity running Terraform"
  }

  assert {
    condition     = google_sql_database_instance.postgres.settings[0].ip_configuration[0].ipv4_enabled == false
    error_message = "Cloud SQL must have no public IP"
  }

  assert {
    condition     = google_sql_database_instance.postgres.deletion_protection && google_sql_database_instance.postgres.settings[0].deletion_protection_enabled && google_container_cluster.autopilot.deletion_protection
    error_message = "deletion protection must be on by default"
  }

  assert {
    condition     = output.image_repository == "us-central1-docker.pkg.dev/acme-hello-prod/hello-server/hello-server"
    error_message = "unexpected image repository"
  }

  assert {
    condition     = yamldecode(output.helm_values).serviceAccount.gcpServiceAccount == "hello-server@acme-hello-prod.iam.gserviceaccount.com"
    error_message = "helm_values does not carry the application's service account"
  }

  assert {
    condition     = yamldecode(output.helm_values).cloudSqlProxy.instanceConnectionName == "acme-hello-prod:us-central1:hello-postgres"
    error_message = "helm_values does not carry the instance connection name"
  }

  assert {
    condition     = output.database_bootstrap_command == "gcloud sql instances execute-sql hello-postgres --project acme-hello-prod --database hello --sql 'GRANT USAGE, CREATE ON SCHEMA public TO \"hello-server@acme-hello-prod.iam\";'"
    error_message = "unexpected database bootstrap command: ${output.database_bootstrap_command}"
  }

  assert {
    condition     = output.get_credentials_command == "gcloud container clusters get-credentials hello-world-cluster --location us-central1 --project acme-hello-prod --dns-endpoint"
    error_message = "unexpected get-credentials command"
  }
}

run "service_account_administrator" {
  command = plan

  variables {
    database_admin = "deployer@acme-hello-prod.iam.gserviceaccount.com"
  }

  assert {
    condition     = google_sql_user.admin.name == "deployer@acme-hello-prod.iam" && google_sql_user.admin.type == "CLOUD_IAM_SERVICE_ACCOUNT"
    error_message = "a service account administrator logs in without the .gserviceaccount.com suffix"
  }

  assert {
    condition     = google_project_iam_member.database_admin.member == "serviceAccount:deployer@acme-hello-prod.iam.gserviceaccount.com"
    error_message = "the administrator's IAM member must be a serviceAccount member"
  }
}

run "administrator_must_be_known" {
  command = plan

  override_data {
    target = data.google_client_openid_userinfo.caller
    values = {
      email = ""
    }
  }

  expect_failures = [data.google_client_openid_userinfo.caller]
}

run "rejects_a_tier_of_another_edition" {
  command = plan

  variables {
    database_edition = "ENTERPRISE_PLUS"
    database_tier    = "db-custom-1-3840"
  }

  expect_failures = [google_sql_database_instance.postgres]
}

run "rejects_long_pitr_on_enterprise" {
  command = plan

  variables {
    pitr_log_retention_days = 14
  }

  expect_failures = [google_sql_database_instance.postgres]
}

run "accepts_enterprise_plus" {
  command = plan

  variables {
    database_edition        = "ENTERPRISE_PLUS"
    database_tier           = "db-perf-optimized-N-2"
    pitr_log_retention_days = 14
  }

  assert {
    condition     = google_sql_database_instance.postgres.settings[0].edition == "ENTERPRISE_PLUS"
    error_message = "ENTERPRISE_PLUS with a perf-optimized tier must plan"
  }
}

run "teardown_settings" {
  command = plan

  variables {
    deletion_protection = false
    availability_type   = "ZONAL"
  }

  assert {
    condition     = !google_sql_database_instance.postgres.deletion_protection && !google_container_cluster.autopilot.deletion_protection
    error_message = "deletion_protection=false must lift every protection"
  }
}

run "rejects_invalid_input" {
  command = plan

  variables {
    project_id        = "My Project"
    region            = "us-central1-a"
    availability_type = "MULTI"
    database_version  = "POSTGRES_14"
  }

  expect_failures = [var.project_id, var.region, var.availability_type, var.database_version]
}
