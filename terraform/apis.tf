locals {
  # The labels of every resource the CRM labels (topics, subscriptions,
  # secrets, the image repository).
  labels = {
    managed-by = "terraform"
    app        = "crm"
  }

  # Every API the apply uses. Service Usage (which enables these) is on in
  # every new project; billing must be on for most of the others.
  services = toset([
    # Project IAM grants (google_project_iam_member) go through Cloud
    # Resource Manager.
    "cloudresourcemanager.googleapis.com",
    # The builds' logs (the build account writes them).
    "logging.googleapis.com",
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "firestore.googleapis.com",
    "storage.googleapis.com",
    "iam.googleapis.com",
    "secretmanager.googleapis.com",
    # The CCAI bucket's notifications to StorageObject, the events topic and
    # the hourly SweepUnlinked call.
    "pubsub.googleapis.com",
    "cloudscheduler.googleapis.com",
    # The queue of the CRM's outcome emails (tasks.tf).
    "cloudtasks.googleapis.com",
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Other workloads in the project may use these APIs: destroying this
  # configuration must not switch them off.
  disable_on_destroy = false
}
