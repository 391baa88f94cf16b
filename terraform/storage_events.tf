# How StorageObject gets what CCAI Platform writes into the CCAI bucket, and
# what keeps an object that keeps failing: the bucket's notifications
# (OBJECT_FINALIZE, JSON API object) go to a topic whose push subscription
# calls StorageObject (OIDC token of the storage trigger account, which may
# invoke it: iam.tf). A message the function keeps refusing (it answers an
# error only when a retry can succeed: Firestore or the bucket unavailable,
# a configuration problem) is retried with backoff, then forwarded to a
# dead-letter topic, whose pull subscription keeps it for 7 days:
# `scripts/backfill -dead-letters <output storage_dead_letters>` replays it
# (README.md, "Recordings, transcripts, media and session metadata").
# Eventarc's own subscription cannot have a dead-letter topic: after 24
# hours of retries its events were dropped.

locals {
  # Attempts before a message is dead-lettered (5 to 100, best effort): with
  # backoff from 10 s doubling to 600 s, 100 attempts are about 16 hours.
  storage_max_delivery_attempts = 100
  storage_object_uri            = google_cloudfunctions2_function.fn["StorageObject"].service_config[0].uri
}

resource "google_pubsub_topic" "ccai_objects" {
  project = var.project_id
  name    = "${var.name_prefix}-ccai-objects"

  labels = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_topic" "ccai_objects_dead_letters" {
  project = var.project_id
  name    = "${var.name_prefix}-ccai-objects-dead-letters"

  labels = local.labels

  depends_on = [google_project_service.enabled]
}

# Keeps the dead letters for the replay (a message published to a topic
# without a subscription is lost).
resource "google_pubsub_subscription" "ccai_objects_dead_letters" {
  project = var.project_id
  name    = "${var.name_prefix}-ccai-objects-dead-letters"
  topic   = google_pubsub_topic.ccai_objects_dead_letters.id

  # The replay holds a message that fails again until it ends.
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"

  # Never deleted for inactivity (the default deletes a subscription after
  # 31 days without a pull).
  expiration_policy {
    ttl = ""
  }

  labels = local.labels
}

resource "google_pubsub_subscription" "storage_object" {
  project = var.project_id
  name    = "${var.name_prefix}-ccai-objects-storage-object"
  topic   = google_pubsub_topic.ccai_objects.id

  # A push waits this long for StorageObject's answer: its timeout and a
  # little more (600 s at most).
  ack_deadline_seconds       = min(600, local.function_settings["StorageObject"].timeout + 20)
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.ccai_objects_dead_letters.id
    max_delivery_attempts = local.storage_max_delivery_attempts
  }

  push_config {
    # The path names the topic: the functions framework then gives the
    # CloudEvent it makes of the push its source (and warns otherwise).
    # StorageObject serves every path.
    push_endpoint = "${local.storage_object_uri}/${google_pubsub_topic.ccai_objects.id}"

    oidc_token {
      service_account_email = google_service_account.storage_trigger.email
      audience              = local.storage_object_uri
    }
  }

  labels = local.labels

  depends_on = [
    # Nothing is dead-lettered before the dead letters are kept.
    google_pubsub_subscription.ccai_objects_dead_letters,
    google_cloud_run_service_iam_member.trigger_invoker,
  ]
}

# The bucket's notifications. Created after the push subscription, so that
# no notification is published to a topic nobody reads. The Cloud Storage
# service agent needs roles/pubsub.publisher on the topic
# (storage_agent_publisher, events.tf).
resource "google_storage_notification" "ccai_objects" {
  bucket         = local.ccai_bucket_name
  topic          = google_pubsub_topic.ccai_objects.id
  payload_format = "JSON_API_V1"
  event_types    = ["OBJECT_FINALIZE"]
  # Only the folder path CCAI Platform writes under (the function checks it
  # too).
  object_name_prefix = local.ccai_folder_path == "" ? null : "${local.ccai_folder_path}/"

  depends_on = [
    # The agent's grant, once it has taken effect (iam.tf).
    time_sleep.grants,
    google_pubsub_subscription.storage_object,
  ]
}

# Dead-lettering is done by the project's Pub/Sub service agent: it
# publishes to the dead-letter topic and acknowledges on the push
# subscription; it also makes the OIDC tokens of the push (projects made
# before April 2021 do not grant this on their own).
#
# The project number names the agent; it comes from the source bucket once
# it exists, so planning reads no API (as the Cloud Storage agent's,
# events.tf). Google creates this agent when the Pub/Sub API is enabled.
locals {
  pubsub_agent = "serviceAccount:service-${google_storage_bucket.source.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.ccai_objects_dead_letters.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.storage_object.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_service_account_iam_member" "push_token_creator" {
  service_account_id = google_service_account.storage_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

output "storage_dead_letters" {
  description = "Pull subscription keeping (7 days) the CCAI bucket's notifications StorageObject kept failing: replay them with scripts/backfill -dead-letters <this> (README.md)."
  value       = google_pubsub_subscription.ccai_objects_dead_letters.id
}
