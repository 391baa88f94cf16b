# The functions' container images: Cloud Build pushes one image per function
# (and its build cache) on every deployment, into this repository rather
# than the shared gcf-artifacts one, so that old images are deleted here.

resource "google_artifact_registry_repository" "functions" {
  project       = var.project_id
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  description   = "Container images of the CRM's Cloud Functions (built from source by Cloud Build)."
  format        = "DOCKER"

  # Each deployment adds a version of every function's image; only the
  # newest two of each package (the one serving, and the one before it,
  # plus the build cache) are kept, the rest go once a week old. A KEEP
  # policy wins over a DELETE one. Images are rebuilt from source on every
  # deployment, so nothing here is needed for a rollback.
  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-newest-two"
    action = "KEEP"
    most_recent_versions {
      keep_count = 2
    }
  }

  cleanup_policies {
    id     = "delete-after-a-week"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "7d"
    }
  }

  labels = local.labels

  depends_on = [google_project_service.enabled]
}

# The build account pushes the images; Cloud Run pulls them with its own
# service agent, which may read every repository of the project.
resource "google_artifact_registry_repository_iam_member" "build_writer" {
  project    = var.project_id
  location   = google_artifact_registry_repository.functions.location
  repository = google_artifact_registry_repository.functions.name
  role       = "roles/artifactregistry.writer"
  member     = google_service_account.build.member
}
