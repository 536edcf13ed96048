# State is local by default so that a first `terraform apply` works in an empty
# project. For a shared or long-lived environment keep it in a versioned GCS
# bucket instead: create the bucket once, uncomment the block below and run
# `terraform init -migrate-state`.
#
#   gcloud storage buckets create gs://PROJECT_ID-tfstate --location=REGION \
#     --uniform-bucket-level-access --public-access-prevention
#   gcloud storage buckets update gs://PROJECT_ID-tfstate --versioning
#
# terraform {
#   backend "gcs" {
#     bucket = "PROJECT_ID-tfstate"
#     prefix = "hello-server"
#   }
# }
