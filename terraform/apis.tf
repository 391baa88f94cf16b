locals {
  services = toset([
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
# sources that read Cloud Storage (events.tf) take their project
# from here, so on a first apply they are read after the API is on. Unlike
# depends_on, a later change to another API does not postpone their reads
# (which would make their results unknown and replace what uses them).
resource "terraform_data" "storage_api" {
  input = google_project_service.enabled["storage.googleapis.com"].project
}
