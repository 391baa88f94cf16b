terraform {
  # 1.11 is the first release with write-only attributes (secret_data_wo in
  # secrets.tf), which keep the secret values out of the state.
  required_version = ">= 1.11"

  required_providers {
    google = {
      source = "hashicorp/google"
      # 6.23 added write-only secret_data_wo; 7.x is what this is tested with.
      version = "~> 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.0"
    }
    # time_sleep (iam.tf): the functions wait for new IAM grants to take
    # effect.
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}
