locals {
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
    # StorageObject's Cloud Storage trigger, the events topic and the hourly
    # SweepUnlinked call.
    "eventarc.googleapis.com",
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

# The project ID, known only once the Cloud Storage API is enabled: the data
# source that reads Cloud Storage (storage.tf) takes its project
# from here, so on a first apply it is read after the API is on. Unlike
# depends_on, a later change to another API does not postpone its read
# (which would make its result unknown and replace what uses it).
resource "terraform_data" "storage_api" {
  input = google_project_service.enabled["storage.googleapis.com"].project
}
