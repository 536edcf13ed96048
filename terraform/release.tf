# The release pipeline's identity: it pushes images and charts, signs digests with the release key and records
# Binary Authorization attestations. GitHub Actions reaches it keylessly through Workload Identity Federation
# (only for var.github_repository, and only for workflows running on a tag); no service account key exists.
resource "google_service_account" "releaser" {
  account_id   = var.releaser_service_account_id
  display_name = "hello-server release pipeline"
  description  = "Pushes, signs and attests hello-server releases (GitHub Actions through Workload Identity Federation)."

  depends_on = [google_project_service.enabled]
}

resource "google_artifact_registry_repository_iam_member" "releaser_push" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.repository_id
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.releaser.member
}

resource "google_kms_crypto_key_iam_member" "releaser_signs" {
  crypto_key_id = google_kms_crypto_key.image_signing.id
  role          = "roles/cloudkms.signerVerifier"
  member        = google_service_account.releaser.member
}

resource "google_container_analysis_note_iam_member" "releaser_attaches" {
  note   = google_container_analysis_note.release.name
  role   = "roles/containeranalysis.notes.attacher"
  member = google_service_account.releaser.member
}

resource "google_project_iam_member" "releaser_occurrences" {
  project = var.project_id
  role    = "roles/containeranalysis.occurrences.editor" # the attestation itself is an occurrence
  member  = google_service_account.releaser.member
}

resource "google_binary_authorization_attestor_iam_member" "releaser_reads_attestor" {
  attestor = google_binary_authorization_attestor.release.name
  role     = "roles/binaryauthorization.attestorsViewer" # sign-and-create --validate reads the attestor
  member   = google_service_account.releaser.member
}

# GitHub Actions OIDC -> the releaser, for one repository's tag builds.
resource "google_iam_workload_identity_pool" "github" {
  count = var.github_repository == "" ? 0 : 1

  workload_identity_pool_id = "github-actions"
  display_name              = "GitHub Actions"
  description               = "Release workflows of ${var.github_repository}."

  depends_on = [google_project_service.enabled]
}

resource "google_iam_workload_identity_pool_provider" "github" {
  #checkov:skip=CKV_GCP_125:The condition pins the subject to repo:<github_repository>:environment:release (tests/infra/terraform/binauthz.tftest.hcl); checkov evaluates it with the empty default, for which this resource is not created.
  count = var.github_repository == "" ? 0 : 1

  workload_identity_pool_id          = google_iam_workload_identity_pool.github[0].workload_identity_pool_id
  workload_identity_pool_provider_id = "github"
  display_name                       = "GitHub"

  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.repository" = "assertion.repository"
    "attribute.ref"        = "assertion.ref"
  }
  # Only the repository's `release` environment (its protection rules apply; GitHub's subject claim is then
  # repo:OWNER/NAME:environment:release) on a version tag: other repositories, branches and pull requests are
  # refused outright.
  attribute_condition = "assertion.sub == 'repo:${var.github_repository}:environment:release' && assertion.ref.startsWith('refs/tags/v')"

  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}

resource "google_service_account_iam_member" "github_releaser" {
  count = var.github_repository == "" ? 0 : 1

  service_account_id = google_service_account.releaser.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github[0].name}/attribute.repository/${var.github_repository}"
}
