# Binary Authorization against the mocked google provider: the cluster enforces a policy whose only way in
# (besides Google's system images and the allow-listed proxy) is an attestation by the release attestor, and that
# attestor trusts exactly the Cloud KMS release key the pipeline signs with.

mock_provider "google" {
  mock_data "google_client_openid_userinfo" {
    defaults = {
      email = "admin@example.com"
    }
  }

  mock_data "google_kms_crypto_key_version" {
    defaults = {
      id = "//cloudkms.googleapis.com/v1/projects/acme-hello-prod/locations/us-central1/keyRings/hello-server-release/cryptoKeys/image-signing/cryptoKeyVersions/1"
      public_key = [{
        algorithm = "EC_SIGN_P256_SHA256"
        pem       = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
      }]
    }
  }

  mock_data "google_project" {
    defaults = {
      number = "123456789012"
    }
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
  target = google_service_account.app
  values = {
    email  = "hello-server@acme-hello-prod.iam.gserviceaccount.com"
    member = "serviceAccount:hello-server@acme-hello-prod.iam.gserviceaccount.com"
    name   = "projects/acme-hello-prod/serviceAccounts/hello-server@acme-hello-prod.iam.gserviceaccount.com"
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

run "policy_requires_the_release_attestor" {
  command = apply # against the mock: nothing leaves this machine

  assert {
    condition     = google_container_cluster.autopilot.binary_authorization[0].evaluation_mode == "PROJECT_SINGLETON_POLICY_ENFORCE"
    error_message = "the cluster must enforce the project's Binary Authorization policy"
  }

  assert {
    condition     = google_binary_authorization_policy.policy.default_admission_rule[0].evaluation_mode == "REQUIRE_ATTESTATION"
    error_message = "the default rule must require an attestation"
  }

  assert {
    condition     = toset(google_binary_authorization_policy.policy.default_admission_rule[0].require_attestations_by) == toset([google_binary_authorization_attestor.release.name])
    error_message = "the default rule must require exactly the release attestor"
  }

  assert {
    condition     = google_binary_authorization_policy.policy.default_admission_rule[0].enforcement_mode == "ENFORCED_BLOCK_AND_AUDIT_LOG"
    error_message = "unattested images must be blocked, not only logged"
  }

  assert {
    condition     = google_binary_authorization_policy.policy.global_policy_evaluation_mode == "ENABLE"
    error_message = "Google-maintained system images must be admitted by the global policy"
  }

  assert {
    condition     = [for p in google_binary_authorization_policy.policy.admission_whitelist_patterns : p.name_pattern] == ["gcr.io/cloud-sql-connectors/cloud-sql-proxy*"]
    error_message = "only the Cloud SQL Auth Proxy image is allow-listed by default"
  }

  assert {
    condition     = length(google_binary_authorization_policy.policy.cluster_admission_rules) == 0
    error_message = "no per-cluster rule may bypass the default rule"
  }

  assert {
    condition     = google_binary_authorization_attestor.release.attestation_authority_note[0].note_reference == google_container_analysis_note.release.name
    error_message = "the attestor must read its attestations from the release note"
  }

  assert {
    condition     = google_binary_authorization_attestor.release.attestation_authority_note[0].public_keys[0].id == data.google_kms_crypto_key_version.image_signing.id
    error_message = "the attestor's key ID must be the KMS key version gcloud signs with"
  }

  assert {
    condition     = google_binary_authorization_attestor.release.attestation_authority_note[0].public_keys[0].pkix_public_key[0].public_key_pem == data.google_kms_crypto_key_version.image_signing.public_key[0].pem
    error_message = "the attestor must trust the release key's public half"
  }

  assert {
    condition     = length(google_binary_authorization_attestor.release.attestation_authority_note[0].public_keys) == 1
    error_message = "the attestor must trust the release key only"
  }

  assert {
    condition     = google_kms_crypto_key.image_signing.purpose == "ASYMMETRIC_SIGN" && google_kms_crypto_key.image_signing.version_template[0].algorithm == "EC_SIGN_P256_SHA256" && google_kms_crypto_key.image_signing.version_template[0].protection_level == "HSM"
    error_message = "the release key must be an HSM-backed ECDSA P-256 signing key"
  }

  assert {
    condition     = output.release_signing_key == "gcpkms://${data.google_kms_crypto_key_version.image_signing.id}"
    error_message = "release_signing_key must be the cosign reference of the attestor's key version"
  }

  assert {
    condition     = output.attestor == "projects/acme-hello-prod/attestors/hello-server-release"
    error_message = "unexpected attestor output"
  }

  assert {
    condition     = google_container_analysis_note_iam_member.binauthz_reads_attestations.member == "serviceAccount:service-123456789012@gcp-sa-binaryauthorization.iam.gserviceaccount.com"
    error_message = "the Binary Authorization service agent must be able to read the attestations"
  }

  assert {
    condition     = google_kms_crypto_key_iam_member.releaser_signs.role == "roles/cloudkms.signerVerifier" && google_kms_crypto_key_iam_member.releaser_signs.member == google_service_account.releaser.member
    error_message = "only the releaser may sign with the release key"
  }

  assert {
    condition     = length(google_iam_workload_identity_pool.github) == 0 && output.workload_identity_provider == ""
    error_message = "no federation without github_repository"
  }

  assert {
    condition     = !can(yamldecode(output.helm_values).image.digest)
    error_message = "before the first release the values carry no digest"
  }
}

run "release_values_pin_digests" {
  command = apply

  variables {
    image_digest       = "sha256:a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"
    proxy_image_digest = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2"
  }

  assert {
    condition     = yamldecode(output.helm_values).image.digest == var.image_digest
    error_message = "release values must pin the application image by digest"
  }

  assert {
    condition     = yamldecode(output.helm_values).cloudSqlProxy.image.digest == var.proxy_image_digest
    error_message = "release values must pin the proxy image by digest"
  }
}

run "github_release_identity" {
  command = apply

  variables {
    github_repository = "acme/hello-server"
  }

  assert {
    condition     = google_iam_workload_identity_pool_provider.github[0].attribute_condition == "assertion.sub == 'repo:acme/hello-server:environment:release' && assertion.ref.startsWith('refs/tags/v')"
    error_message = "only tag runs in the release environment of the one repository may act as the releaser"
  }

  assert {
    condition     = endswith(google_service_account_iam_member.github_releaser[0].member, "/attribute.repository/acme/hello-server") && startswith(google_service_account_iam_member.github_releaser[0].member, "principalSet://iam.googleapis.com/")
    error_message = "the releaser must be bound to the repository's principal set"
  }
}

run "dry_run_enforcement" {
  command = plan

  variables {
    binauthz_enforcement_mode = "DRYRUN_AUDIT_LOG_ONLY"
  }

  assert {
    condition     = google_binary_authorization_policy.policy.default_admission_rule[0].enforcement_mode == "DRYRUN_AUDIT_LOG_ONLY"
    error_message = "dry-run mode must reach the policy"
  }
}

run "rejects_open_allowlists_and_tags_as_digests" {
  command = plan

  variables {
    binauthz_allowlist_patterns = ["*"]
    image_digest                = "latest"
    proxy_image_digest          = "sha256:XYZ"
    github_repository           = "not a repository"
  }

  expect_failures = [var.binauthz_allowlist_patterns, var.image_digest, var.proxy_image_digest, var.github_repository]
}

run "rejects_a_registry_wide_allowlist" {
  command = plan

  variables {
    binauthz_allowlist_patterns = ["gcr.io/**"]
  }

  expect_failures = [var.binauthz_allowlist_patterns]
}
