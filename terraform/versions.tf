terraform {
  # 1.6 brought `terraform test` and the validation features used in variables.tf.
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 8.0"
    }
  }
}
