# Binary Authorization: the cluster admits only images whose digest carries an attestation signed by the
# release key below (plus Google's own system images and the Cloud SQL Auth Proxy). The release flow
# (scripts/release/, docs/release.md) signs each pushed digest with the same Cloud KMS key twice: a cosign
# signature stored next to the image, and a Binary Authorization attestation the admission check verifies.

# The signing key never leaves Cloud KMS; releasers may sign with it, nobody can export it.
resource "google_kms_key_ring" "release" {
  name     = var.release_keyring_name
  location = var.region

  depends_on = [google_project_service.enabled]
}

resource "google_kms_crypto_key" "image_signing" {
  #checkov:skip=CKV_GCP_43:Cloud KMS cannot rotate asymmetric signing keys automatically; a new key version is added to the attestor when rotating by hand (docs/release.md).
  #checkov:skip=CKV_GCP_82:Protected by Cloud KMS's 90-day scheduled destruction (destroy_scheduled_duration) instead of prevent_destroy, which would block the documented teardown.
  name     = "image-signing"
  key_ring = google_kms_key_ring.release.id
  purpose  = "ASYMMETRIC_SIGN"
  labels   = var.labels

  version_template {
    # ECDSA P-256 / SHA-256: supported by cosign (gcpkms://) and by Binary Authorization PKIX attestors.
    algorithm        = "EC_SIGN_P256_SHA256"
    protection_level = var.release_key_protection_level
  }

  # Destroying the key would orphan every signature and lock out every image signed with it. Cloud KMS only
  # schedules the destruction of key material: for 90 days an accidental destroy can be undone
  # (gcloud kms keys versions restore). No prevent_destroy, so that a deliberate teardown
  # (deletion_protection = false, docs/deploy.md) still works.
  destroy_scheduled_duration = "7776000s"
}

# The first version of the key: its public half goes into the attestor.
data "google_kms_crypto_key_version" "image_signing" {
  crypto_key = google_kms_crypto_key.image_signing.id
  version    = var.release_key_version
}

# The Artifact Analysis note under which attestations are stored.
resource "google_container_analysis_note" "release" {
  name = "${var.attestor_name}-note"

  attestation_authority {
    hint {
      human_readable_name = "hello-server release pipeline"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_binary_authorization_attestor" "release" {
  name        = var.attestor_name
  description = "Images built, scanned and signed by the hello-server release pipeline (Cloud KMS key ${google_kms_crypto_key.image_signing.name})."

  attestation_authority_note {
    note_reference = google_container_analysis_note.release.name

    public_keys {
      # //cloudkms.googleapis.com/v1/projects/.../cryptoKeyVersions/N: the ID gcloud's sign-and-create records.
      id = data.google_kms_crypto_key_version.image_signing.id

      pkix_public_key {
        public_key_pem      = data.google_kms_crypto_key_version.image_signing.public_key[0].pem
        signature_algorithm = data.google_kms_crypto_key_version.image_signing.public_key[0].algorithm
      }
    }
  }
}

# The project-wide policy the cluster enforces (binary_authorization.evaluation_mode in gke.tf).
resource "google_binary_authorization_policy" "policy" {
  description = "Only release-signed hello-server images, Google-maintained system images and the allow-listed images run."

  # Google-maintained system images (GKE add-ons, Managed Prometheus collectors, ...) are evaluated by
  # Google's global policy instead of the default rule below.
  global_policy_evaluation_mode = "ENABLE"

  dynamic "admission_whitelist_patterns" {
    for_each = var.binauthz_allowlist_patterns
    content {
      name_pattern = admission_whitelist_patterns.value
    }
  }

  default_admission_rule {
    evaluation_mode         = "REQUIRE_ATTESTATION"
    enforcement_mode        = var.binauthz_enforcement_mode
    require_attestations_by = [google_binary_authorization_attestor.release.name]
  }

  depends_on = [google_project_service.enabled]
}

# Binary Authorization reads attestations through its service agent.
resource "google_container_analysis_note_iam_member" "binauthz_reads_attestations" {
  note   = google_container_analysis_note.release.name
  role   = "roles/containeranalysis.notes.occurrences.viewer"
  member = "serviceAccount:service-${data.google_project.current.number}@gcp-sa-binaryauthorization.iam.gserviceaccount.com"
}

data "google_project" "current" {
  project_id = var.project_id
}
