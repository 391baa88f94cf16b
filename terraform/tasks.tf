# The CRM's own session outcome emails: UpdateRecord, StorageObject,
# InboundEmail and UploadFile create one task per finished session on this
# queue (CRM_OUTCOME_QUEUE), due outcome_delay after the session's end; Cloud
# Tasks POSTs it to OutcomeSend with an OIDC token of the tasks invoker
# account (iam.tf), and retries it while OutcomeSend answers other than 2xx.

locals {
  # The queue's full name, as the functions take it (CRM_OUTCOME_QUEUE).
  outcome_queue = "projects/${var.project_id}/locations/${var.region}/queues/${google_cloud_tasks_queue.outcome.name}"
}

# A deleted queue's name cannot be used again for 7 days: `terraform apply`
# soon after `terraform destroy` fails on this resource (use another
# name_prefix, or wait).
resource "google_cloud_tasks_queue" "outcome" {
  project  = var.project_id
  location = var.region
  name     = "${var.name_prefix}-outcome-emails"

  # Emails are few; this keeps a burst (many sessions ending at once, or
  # retries after an SMTP outage) within what an SMTP relay accepts.
  rate_limits {
    max_dispatches_per_second = 5
    max_concurrent_dispatches = 10
  }

  # An SMTP failure is retried: 10 s, doubling to 640 s, then 640 s more each
  # time, at most 1 h apart; with the default 10 attempts the last is about
  # 75 minutes after the first. OutcomeSend takes the same max_attempts
  # (CRM_OUTCOME_MAX_ATTEMPTS): on the last attempt it records the failure
  # on the record instead of asking for another.
  retry_config {
    max_attempts  = var.outcome_max_attempts
    min_backoff   = "10s"
    max_backoff   = "3600s"
    max_doublings = 6
  }

  depends_on = [google_project_service.enabled]
}
