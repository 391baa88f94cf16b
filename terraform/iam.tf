locals {
  # Service account IDs must be 6-30 characters. "<prefix>-fn-<slug>" fits for
  # the default prefix ("crm-fn-find-account-by-query" is 28); a longer one is
  # cut to 25 characters plus a hash of the full ID so the IDs stay unique.
  service_account_full_ids = merge(
    { for entry_point, slug in local.function_slugs : entry_point => "${var.name_prefix}-fn-${slug}" },
    {
      # The trigger identity of StorageObject (events.tf), the identity
      # Cloud Scheduler calls SweepUnlinked with, the account CCAI
      # Platform writes into the CCAI bucket with (storage.tf), and the
      # identity Cloud Tasks calls OutcomeSend with (tasks.tf). These keys
      # are not entry points.
      storage-trigger = "${var.name_prefix}-storage-trigger"
      sweep-scheduler = "${var.name_prefix}-sweep-scheduler"
      ccaip-writer    = "${var.name_prefix}-ccaip-writer"
      tasks-invoker   = "${var.name_prefix}-tasks-invoker"
      # The identity Cloud Build builds the functions as (below).
      build = "${var.name_prefix}-build"
    },
  )

  service_account_ids = {
    for key, id in local.service_account_full_ids :
    key => (
      length(id) <= 30
      ? id
      : "${trimsuffix(substr(id, 0, 25), "-")}-${substr(sha1(id), 0, 4)}"
    )
  }
}

# One runtime service account per function, holding only the roles that
# function uses.
resource "google_service_account" "fn" {
  for_each = local.functions

  project      = var.project_id
  account_id   = local.service_account_ids[each.key]
  display_name = "CRM function ${local.function_names[each.key]}"
  description  = "Runtime identity of the ${each.key} Cloud Function."

  lifecycle {
    precondition {
      condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", local.service_account_ids[each.key]))
      error_message = "Generated service account ID \"${local.service_account_ids[each.key]}\" is not 6-30 lowercase letters, digits and hyphens."
    }
  }

  depends_on = [google_project_service.enabled]
}

# Firestore: the functions that only read (finds and the read API) get
# roles/datastore.viewer, the others roles/datastore.user (read and write).
# Firestore IAM is per database, not per collection: a function that writes
# records may also write accounts or OAuth tokens, and this cannot be
# narrowed further with IAM (terraform/README.md).
resource "google_project_iam_member" "datastore" {
  for_each = local.function_settings

  project = var.project_id
  role    = each.value.firestore_read_only ? "roles/datastore.viewer" : "roles/datastore.user"
  member  = google_service_account.fn[each.key].member
}

moved {
  from = google_project_iam_member.datastore_user
  to   = google_project_iam_member.datastore
}

# The public functions (public in functions.tf), each called by someone who
# cannot present a Google identity and authenticated by the function itself:
# the Generic API functions and UploadFile (CCAI Platform, auth_method),
# OAuth (CCAI Platform's token calls and users' browsers signing in), Pages
# (agents' browsers, its own sign-in), InboundEmail (a mail gateway: sender
# list and path secret), ReadAPI and OutcomeSettings (administrators' and
# integrations' scripts with the Generic API's credentials). allUsers as
# invoker is what the organisation policy iam.allowedPolicyMemberDomains
# refuses by default (README.md, Deploy). StorageObject, SweepUnlinked and
# OutcomeSend are private: only their trigger, scheduler or tasks account
# may invoke them (the first two take internal traffic only, functions.tf).
resource "google_cloud_run_service_iam_member" "public_invoker" {
  for_each = { for entry_point, f in local.function_settings : entry_point => f if f.public }

  project  = var.project_id
  location = google_cloudfunctions2_function.fn[each.key].location
  service  = google_cloudfunctions2_function.fn[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Files. UploadFile keeps uploads in the attachments bucket (temporary
# objects under tmp/, then records/<id>/<sha256>) and deletes temporary ones;
# InboundEmail keeps the files of CCAI Platform's outcome emails there the
# same way (under email/). Bucket-level grants, nothing on the project.
resource "google_storage_bucket_iam_member" "attachments_admin" {
  for_each = toset(["UploadFile", "InboundEmail"])

  bucket = google_storage_bucket.attachments.name
  role   = "roles/storage.objectAdmin"
  member = google_service_account.fn[each.key].member
}

moved {
  from = google_storage_bucket_iam_member.attachments_admin
  to   = google_storage_bucket_iam_member.attachments_admin["UploadFile"]
}

# StorageObject reads the files CCAI Platform writes (it never changes
# them), UploadFile serves them as downloads once they are linked to a
# record, OutcomeSend attaches a session's transcript and reads its
# metadata file, and Pages serves them to signed-in agents: read-only
# access to the CCAI bucket.
resource "google_storage_bucket_iam_member" "ccai_viewer" {
  for_each = toset(["StorageObject", "UploadFile", "OutcomeSend", "Pages"])

  bucket = local.ccai_bucket_name
  role   = "roles/storage.objectViewer"
  member = google_service_account.fn[each.key].member
}

# OutcomeSend reads the files kept in the attachments bucket too (uploaded,
# or from CCAI Platform's outcome emails), and Pages serves them to
# signed-in agents.
resource "google_storage_bucket_iam_member" "attachments_viewer" {
  for_each = toset(["OutcomeSend", "Pages"])

  bucket = google_storage_bucket.attachments.name
  role   = "roles/storage.objectViewer"
  member = google_service_account.fn[each.key].member
}

moved {
  from = google_storage_bucket_iam_member.attachments_viewer
  to   = google_storage_bucket_iam_member.attachments_viewer["OutcomeSend"]
}

# The functions that publish the CRM's events (attachment.added,
# session.ended): those that link files to records or apply session
# metadata (shared/ingest).
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = toset(["StorageObject", "UploadFile", "InboundEmail", "CreateRecord", "UpdateRecord"])

  project = var.project_id
  topic   = google_pubsub_topic.events.name
  role    = "roles/pubsub.publisher"
  member  = google_service_account.fn[each.key].member
}

# The identity Pub/Sub pushes the CCAI bucket's notifications to
# StorageObject with (OIDC token, storage_events.tf): it may invoke that one
# function.
resource "google_service_account" "storage_trigger" {
  project      = var.project_id
  account_id   = local.service_account_ids["storage-trigger"]
  display_name = "CRM storage trigger"
  description  = "Pub/Sub pushes the CCAI bucket's Cloud Storage notifications to the StorageObject function as this account."

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_run_service_iam_member" "trigger_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.fn["StorageObject"].location
  service  = google_cloudfunctions2_function.fn["StorageObject"].name
  role     = "roles/run.invoker"
  member   = google_service_account.storage_trigger.member
}

# The identity Cloud Scheduler calls SweepUnlinked with (OIDC token): it may
# invoke that one function and nothing else.
resource "google_service_account" "sweep_scheduler" {
  project      = var.project_id
  account_id   = local.service_account_ids["sweep-scheduler"]
  display_name = "CRM sweep scheduler"
  description  = "Cloud Scheduler calls the SweepUnlinked function as this account."

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_run_service_iam_member" "scheduler_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.fn["SweepUnlinked"].location
  service  = google_cloudfunctions2_function.fn["SweepUnlinked"].name
  role     = "roles/run.invoker"
  member   = google_service_account.sweep_scheduler.member
}

# The identity Cloud Tasks calls OutcomeSend with: each task on the outcome
# queue carries an OIDC token of this account (CRM_OUTCOME_TASK_SERVICE_ACCOUNT)
# whose audience is OutcomeSend's URL (CRM_OUTCOME_SEND_URL). It may invoke
# that one function and nothing else.
resource "google_service_account" "tasks_invoker" {
  project      = var.project_id
  account_id   = local.service_account_ids["tasks-invoker"]
  display_name = "CRM outcome email tasks"
  description  = "Cloud Tasks calls the OutcomeSend function as this account."

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_run_service_iam_member" "tasks_invoker" {
  project  = var.project_id
  location = google_cloudfunctions2_function.fn["OutcomeSend"].location
  service  = google_cloudfunctions2_function.fn["OutcomeSend"].name
  role     = "roles/run.invoker"
  member   = google_service_account.tasks_invoker.member
}

# The functions that schedule outcome emails (schedules_outcome in
# functions.tf) may create tasks on the outcome queue, and act as the tasks
# invoker: Cloud Tasks gives a task an OIDC token of an account only if its
# creator may use that account (iam.serviceAccounts.actAs). Both granted on
# the queue and the account alone, not the project.
locals {
  outcome_schedulers = toset([for entry_point, f in local.function_settings : entry_point if f.schedules_outcome])
}

resource "google_cloud_tasks_queue_iam_member" "enqueuer" {
  for_each = local.outcome_schedulers

  project  = var.project_id
  location = google_cloud_tasks_queue.outcome.location
  name     = google_cloud_tasks_queue.outcome.name
  role     = "roles/cloudtasks.enqueuer"
  member   = google_service_account.fn[each.key].member
}

resource "google_service_account_iam_member" "tasks_invoker_user" {
  for_each = local.outcome_schedulers

  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = google_service_account.fn[each.key].member
}

# Each function may read exactly the secrets it gets as environment variables
# (local.function_secrets in secrets.tf), granted on the secret itself rather
# than the project.
locals {
  secret_access = merge([
    for entry_point, names in local.function_secrets : {
      for name in names : "${entry_point}/${name}" => {
        entry_point = entry_point
        secret      = name
      }
    }
  ]...)
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_access

  project   = var.project_id
  secret_id = google_secret_manager_secret.crm[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.fn[each.value.entry_point].member
}

# The identity Cloud Build builds every function as
# (build_config.service_account), instead of the Compute Engine default
# account, which new organisations give no roles (and which does not exist
# without the Compute Engine API). A Go function build writes its logs,
# pushes its image and build cache to the functions' repository
# (artifacts.tf), and reads the function source: the archive in the source
# bucket, which Cloud Functions copies into its own gcf-v2-sources-<project
# number>-<region> bucket in this project before the build reads it. Nothing
# else.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = local.service_account_ids["build"]
  display_name = "CRM function builds"
  description  = "Cloud Build builds the CRM's Cloud Functions as this account."

  depends_on = [google_project_service.enabled]
}

resource "google_project_iam_member" "build_log_writer" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = google_service_account.build.member
}

# Object reading in the source bucket and in Cloud Functions' copy of the
# sources only (a condition, since Cloud Functions creates its bucket on the
# first deployment): never the attachments or CCAI buckets.
resource "google_project_iam_member" "build_source_reader" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = google_service_account.build.member

  condition {
    title       = "function-sources-only"
    description = "The CRM's source bucket and Cloud Functions' gcf-v2-sources bucket."
    expression  = "resource.name == \"projects/_/buckets/${google_storage_bucket.source.name}\" || resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.source.name}/\") || resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-\")"
  }
}

# The identities that run `terraform apply` (deployer_members): deploying a
# function as its runtime account and building it as the build account,
# creating the storage trigger with its account, and the scheduler job with
# its token's account each need iam.serviceAccounts.actAs on that account.
# Project owners have it everywhere; others get it here, on these accounts
# only.
locals {
  deployer_act_as_accounts = merge(
    { for entry_point, sa in google_service_account.fn : "fn-${entry_point}" => sa.name },
    {
      build           = google_service_account.build.name
      storage-trigger = google_service_account.storage_trigger.name
      sweep-scheduler = google_service_account.sweep_scheduler.name
    },
  )
}

resource "google_service_account_iam_member" "deployer_act_as" {
  for_each = {
    for pair in setproduct(var.deployer_members, keys(local.deployer_act_as_accounts)) :
    "${pair[0]} ${pair[1]}" => { member = pair[0], account = local.deployer_act_as_accounts[pair[1]] }
  }

  service_account_id = each.value.account
  role               = "roles/iam.serviceAccountUser"
  member             = each.value.member
}

# IAM grants take effect within a minute or two, not at once, and a service
# agent (Cloud Build's) may lack its own roles for minutes after its API is
# enabled: a function created right after them fails to build or to deploy
# (secrets), and a bucket notification is refused. The functions and the
# notification wait for this, which waits for every grant and API they use;
# it waits again whenever an API, an account or a deploying member is added.
resource "time_sleep" "grants" {
  create_duration = "120s"

  triggers = {
    apis     = join(",", sort(tolist(local.services)))
    accounts = join(",", sort(keys(local.service_account_ids)))
    members  = join(",", sort(var.deployer_members))
  }

  depends_on = [
    google_project_service.enabled,
    # Builds: logs, image, sources, and the deploying identity's actAs.
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_source_reader,
    google_artifact_registry_repository_iam_member.build_writer,
    google_service_account_iam_member.deployer_act_as,
    # The runtime accounts must be able to use Firestore, their buckets and
    # the events topic from the first request, and a revision does not
    # deploy without access to its secrets.
    google_project_iam_member.datastore,
    google_secret_manager_secret_iam_member.accessor,
    google_storage_bucket_iam_member.attachments_admin,
    google_storage_bucket_iam_member.attachments_viewer,
    google_storage_bucket_iam_member.ccai_viewer,
    google_pubsub_topic_iam_member.publisher,
    # Scheduling outcome emails: create tasks that carry the tasks invoker's
    # token.
    google_cloud_tasks_queue_iam_member.enqueuer,
    google_service_account_iam_member.tasks_invoker_user,
    # The CCAI bucket's notification is refused unless the Cloud Storage
    # service agent may publish (storage_events.tf waits for this too).
    google_project_iam_member.storage_agent_publisher,
  ]
}
