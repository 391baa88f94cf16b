# The CRM's events, and what drives StorageObject and SweepUnlinked.

# UploadFile and StorageObject publish here (CRM_EVENTS_TOPIC): a JSON body
# and attribute "type" = "attachment.added" or "session.ended" (plus
# "record_id"). Nothing subscribes here; without a subscription, messages
# are dropped. Subscribers create their own subscriptions, filtering on
# attributes.type.
resource "google_pubsub_topic" "events" {
  project = var.project_id
  name    = "${var.name_prefix}-events"

  labels = {
    managed-by = "terraform"
    app        = "crm"
  }

  depends_on = [google_project_service.enabled]
}

# Cloud Storage publishes the bucket's events for Eventarc through Pub/Sub
# as the project's Cloud Storage service agent. The data source makes sure
# the agent exists (it is created lazily) rather than building its email.
data "google_storage_project_service_account" "gcs" {
  project = terraform_data.storage_api.output
}

resource "google_project_iam_member" "storage_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = data.google_storage_project_service_account.gcs.member
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
