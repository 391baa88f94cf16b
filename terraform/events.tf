# The CRM's events, and what drives StorageObject and SweepUnlinked.

# UploadFile and StorageObject publish here (CRM_EVENTS_TOPIC): a JSON body
# and attribute "type" = "attachment.added" or "session.ended" (plus
# "record_id"). Nothing subscribes here; without a subscription, messages
# are dropped. Subscribers create their own subscriptions, filtering on
# attributes.type.
resource "google_pubsub_topic" "events" {
  project = var.project_id
  name    = "${var.name_prefix}-events"

  labels = local.labels

  depends_on = [google_project_service.enabled]
}

# Cloud Storage publishes the bucket's events through Pub/Sub as the
# project's Cloud Storage service agent,
# service-<project number>@gs-project-accounts.iam.gserviceaccount.com. The
# project number comes from the source bucket once it exists, so planning
# reads no API (a data source would, on every plan after the first). The
# agent is created the first time it is asked for (README.md, Deploy:
# `gcloud storage service-agent`), not when the API is enabled.
locals {
  storage_service_agent = "serviceAccount:service-${google_storage_bucket.source.project_number}@gs-project-accounts.iam.gserviceaccount.com"
}

resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = local.storage_service_agent
}

# Every hour, Cloud Scheduler asks SweepUnlinked to report the files that
# waited longer than unlinked_after for their session's record.
resource "google_cloud_scheduler_job" "sweep_unlinked" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-sweep-unlinked"
  description = "Reports external storage files no CRM record has claimed (${local.function_names["SweepUnlinked"]})."
  schedule    = "0 * * * *"
  time_zone   = "Etc/UTC"
  # A little above the function's timeout.
  attempt_deadline = "${local.function_settings["SweepUnlinked"].timeout + 20}s"

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.fn["SweepUnlinked"].service_config[0].uri

    oidc_token {
      service_account_email = google_service_account.sweep_scheduler.email
      audience              = google_cloudfunctions2_function.fn["SweepUnlinked"].service_config[0].uri
    }
  }

  depends_on = [
    google_project_service.enabled,
    google_cloud_run_service_iam_member.scheduler_invoker,
  ]
}
