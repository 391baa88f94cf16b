locals {
  # One Cloud Function per Generic API endpoint, plus ReadAPI, OAuth (the
  # OAuth 2.0 authorization server with the CRM sign-in pages), UploadFile,
  # StorageObject, SweepUnlinked, the outcome email functions, keyed by the
  # entry point the root package
  # registers (functions.HTTP / functions.CloudEvent). All share one source
  # archive; the framework serves only the entry point named in
  # build_config.entry_point. Settings left out take function_defaults.
  functions = {
    # firestore_read_only: the function only reads Firestore (its account
    # gets roles/datastore.viewer instead of roles/datastore.user, iam.tf).
    # schedules_outcome: the function schedules outcome emails when it
    # learns that a session finished (its account may create tasks on the
    # outcome queue and have them carry the tasks invoker's token, iam.tf).
    FindAccountByQuery = { description = "Generic API: find an account by query", firestore_read_only = true }
    FindAccountByID    = { description = "Generic API: find an account by ID", firestore_read_only = true }
    CreateAccount      = { description = "Generic API: create an account" }
    FindRecordByQuery  = { description = "Generic API: find a record by query", firestore_read_only = true }
    CreateRecord       = { description = "Generic API: create a record" }
    UpdateRecord       = { description = "Generic API: update a record", schedules_outcome = true }
    Comment            = { description = "Generic API: add a comment to a record" }
    ReadAPI            = { description = "CRM read API", firestore_read_only = true }
    OAuth              = { description = "OAuth 2.0 authorization server and CRM sign-in" }
    # The outcome email settings (JSON, the Generic API's authentication).
    OutcomeSettings = { description = "Outcome email settings: read and replace" }
    # CCAI Platform's session outcome emails from an inbound mail gateway
    # (up to 25 MiB, parsed in memory).
    InboundEmail = { description = "Session outcome emails received", memory = "512M", schedules_outcome = true }
    # The agents' pages (accounts, records, search, attachment downloads)
    # with their own sign-in: cookies are per host.
    Pages = { description = "CRM pages for agents" }

    # Sends one outcome email (Cloud Tasks calls it for each task on the
    # outcome queue, tasks.tf): the functions that schedule the emails get
    # its URL (CRM_OUTCOME_SEND_URL). Private (only the tasks invoker may
    # invoke it, iam.tf) but reachable from all networks: the tasks call its
    # cloudfunctions.net URL, and Cloud Run counts a Cloud Tasks request as
    # internal traffic only on the run.app URL, which is not known before
    # the function exists. A transcript (up to 10 MiB) and a metadata file
    # (up to 8 MiB) are read into memory; SMTP may be slow.
    OutcomeSend = {
      description      = "Sends the CRM's session outcome emails (Cloud Tasks)"
      public           = false
      internet_ingress = true
      memory           = "512M"
      timeout          = 120
      concurrency      = 4
    }

    # Uploads to and downloads from the attachments bucket (files are
    # streamed, never held whole in memory). Every function gets its URL
    # (CRM_ATTACHMENTS_URL). A transfer has its own deadline
    # (transfer_timeout), 10 s before the function's.
    UploadFile = {
      description       = "Generic API: upload and download record attachments"
      memory            = "512M"
      timeout           = var.transfer_timeout + 10
      concurrency       = 4
      schedules_outcome = true
    }

    # Gets the notifications of the bucket CCAI Platform writes into
    # (external storage) from a Pub/Sub push subscription (storage_events.tf):
    # links recordings, transcripts and media to records and applies session
    # metadata. 540 s, and the subscription waits 20 s more; a metadata file
    # (up to 8 MiB) is read into memory.
    StorageObject = {
      description       = "Links the files CCAI Platform writes to external storage to CRM records"
      public            = false
      memory            = "512M"
      timeout           = 540
      concurrency       = 10
      schedules_outcome = true
    }

    # Reports files that waited longer than unlinked_after for their
    # session's record; Cloud Scheduler calls it every hour (events.tf).
    SweepUnlinked = {
      description = "Reports external storage files no record has claimed"
      public      = false
      timeout     = 300
    }
  }

  function_defaults = {
    # public: ingress ALLOW_ALL and run.invoker for allUsers (iam.tf); the
    # others accept only their own invoker, and only internal traffic unless
    # internet_ingress.
    public              = true
    internet_ingress    = false
    firestore_read_only = false
    schedules_outcome   = false
    memory              = var.function_memory
    timeout             = 60
    # More than one concurrent request per instance needs a whole CPU.
    concurrency = 20
  }

  function_settings = {
    for entry_point, f in local.functions :
    entry_point => merge(local.function_defaults, f)
  }

  # GOMEMLIMIT at 80% of each instance's memory: the Go garbage collector
  # then works harder before the instance runs out of memory, instead of
  # the instance being killed (large uploads, metadata files).
  function_memory_mib = {
    for entry_point, f in local.function_settings :
    entry_point => tonumber(regex("^[0-9]+", f.memory)) * (
      endswith(f.memory, "Gi") ? 1024 : endswith(f.memory, "G") ? 954 : endswith(f.memory, "Mi") ? 1 : 0.954
    )
  }
  gomemlimit = {
    for entry_point, mib in local.function_memory_mib :
    entry_point => "${floor(mib * 0.8)}MiB"
  }

  # "FindAccountByQuery" -> "find-account-by-query", "ReadAPI" -> "read-api",
  # "OAuth" -> "oauth".
  function_slugs = {
    for entry_point in keys(local.functions) :
    entry_point => lower(replace(entry_point, "/([a-z0-9])([A-Z])/", "$1-$2"))
  }

  function_names = {
    for entry_point, slug in local.function_slugs :
    entry_point => "${var.name_prefix}-${slug}"
  }

  # Each function's URL, known before any function exists: a 2nd gen
  # function created through the Cloud Functions API answers at
  # https://<region>-<project>.cloudfunctions.net/<name> (its `url`
  # attribute, checked below) besides its Cloud Run URL
  # (service_config[0].uri, which carries a hash and is known only once the
  # function exists). Every function gets these in its environment, so all
  # of them are created at once. An ID token whose audience is this URL is
  # accepted as the function's own: the Cloud Tasks tasks to OutcomeSend
  # carry one (audience = CRM_OUTCOME_SEND_URL, shared/gcptasks).
  function_urls = {
    for entry_point, name in local.function_names :
    entry_point => "https://${var.region}-${var.project_id}.cloudfunctions.net/${name}"
  }

  # Every function gets the same plain settings; secrets come separately
  # (secret_environment_variables, secrets.tf). A setting left empty is not
  # set at all: the provider turns "" map values into null, and the code reads
  # unset as empty. The function URLs (CRM_ATTACHMENTS_URL,
  # CRM_OUTCOME_SEND_URL, CRM_FUNCTION_URLS) are added in the resource.
  function_environment = {
    for name, value in {
      GOOGLE_CLOUD_PROJECT   = var.project_id
      FIRESTORE_DATABASE     = google_firestore_database.crm.name
      CRM_AUTH_METHOD        = var.auth_method
      CRM_API_KEY_HEADER     = var.api_key_header
      CRM_BASIC_USERNAME     = var.crm_basic_username
      CRM_PHONE_REGION       = var.phone_region
      CRM_REQUEST_TIMEOUT    = var.request_timeout
      CRM_ADMIN_USERNAME     = var.admin_username
      CRM_GOOGLE_CLIENT_ID   = var.google_client_id
      CRM_ALLOWED_USERS      = join(",", var.allowed_users)
      CRM_ADMIN_USERS        = join(",", var.admin_users)
      CRM_INBOUND_ADDRESS    = var.inbound_address
      CRM_INBOUND_SENDERS    = join(",", var.inbound_senders)
      CRM_ACCESS_TOKEN_TTL   = var.access_token_ttl
      CRM_OAUTH_CODE_TTL     = var.oauth_code_ttl
      CRM_FRAME_ANCESTORS    = var.frame_ancestors
      CRM_CCAI_TENANT_ORIGIN = var.ccai_tenant_origin
      CRM_ATTACHMENTS_BUCKET = google_storage_bucket.attachments.name
      CRM_CCAI_BUCKET        = local.ccai_bucket_name
      CRM_CCAI_FOLDER_PATH   = local.ccai_folder_path
      CRM_EVENTS_TOPIC       = google_pubsub_topic.events.name
      CRM_UNLINKED_AFTER     = var.unlinked_after
      # Outcome emails (tasks.tf): the queue and its tasks' identity and
      # delay, and how OutcomeSend sends (its password is a secret).
      CRM_OUTCOME_QUEUE                = local.outcome_queue
      CRM_OUTCOME_DELAY                = var.outcome_delay
      CRM_OUTCOME_MAX_ATTEMPTS         = tostring(var.outcome_max_attempts)
      CRM_OUTCOME_TASK_SERVICE_ACCOUNT = google_service_account.tasks_invoker.email
      CRM_OUTCOME_FROM                 = var.outcome_from
      CRM_SMTP_ADDR                    = var.smtp_addr
      CRM_SMTP_USERNAME                = var.smtp_username
      CRM_SMTP_TLS                     = var.smtp_tls
      LOG_EXECUTION_ID                 = "true"
    } : name => value if value != ""
  }

  # Every function, for IAM bindings and outputs.
  deployed_functions = google_cloudfunctions2_function.fn
}

# Every function, from the one source archive; the framework serves only the
# entry point named in build_config.entry_point.
resource "google_cloudfunctions2_function" "fn" {
  for_each = local.function_settings

  project     = var.project_id
  location    = var.region
  name        = local.function_names[each.key]
  description = each.value.description

  build_config {
    runtime     = "go126"
    entry_point = each.key
    # The build runs as the build account (iam.tf) and keeps the image in
    # the functions' own repository (artifacts.tf).
    service_account   = google_service_account.build.id
    docker_repository = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = each.value.memory
    # More than one concurrent request per instance needs a whole CPU.
    available_cpu                    = "1"
    max_instance_request_concurrency = each.value.concurrency
    timeout_seconds                  = each.value.timeout
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    # Public functions: CCAI Platform calls from the internet and the
    # functions check its credentials themselves (see iam.tf). The others
    # take only internal traffic (Pub/Sub push, Cloud Scheduler) from their one
    # invoker, but OutcomeSend (internet_ingress), which only its invoker
    # may call.
    ingress_settings      = each.value.public || each.value.internet_ingress ? "ALLOW_ALL" : "ALLOW_INTERNAL_ONLY"
    service_account_email = google_service_account.fn[each.key].email
    environment_variables = merge(
      local.function_environment,
      {
        # UploadFile's URL, for download links (UploadFile's own too).
        CRM_ATTACHMENTS_URL = local.function_urls["UploadFile"]
        # Where the outcome email tasks go (and their OIDC audience).
        CRM_OUTCOME_SEND_URL = local.function_urls["OutcomeSend"]
        # Every function's URL by entry point, as JSON (the Pages admin page
        # builds the portal settings file from it).
        CRM_FUNCTION_URLS = jsonencode(local.function_urls)
        GOMEMLIMIT        = local.gomemlimit[each.key]
      },
      # A transfer has its own deadline, 10 s before the function's.
      each.key == "UploadFile" ? { CRM_TRANSFER_TIMEOUT = "${var.transfer_timeout}s" } : {},
    )

    # Pinned to the version secrets.tf created, not "latest": a changed
    # secret makes a new version and thus a new revision of the function.
    dynamic "secret_environment_variables" {
      for_each = local.function_secrets[each.key]
      iterator = secret

      content {
        key        = local.secret_env[secret.value]
        project_id = var.project_id
        secret     = google_secret_manager_secret.crm[secret.value].secret_id
        version    = google_secret_manager_secret_version.crm[secret.value].version
      }
    }
  }

  # StorageObject gets the CCAI bucket's objects through a Pub/Sub push
  # subscription with a dead-letter topic (storage_events.tf).

  lifecycle {
    postcondition {
      condition     = self.url == local.function_urls[each.key]
      error_message = "The function's URL is ${self.url}, not ${local.function_urls[each.key]} (local.function_urls), which the functions were given."
    }
  }

  # The grants the builds and the runtime accounts need, given time to
  # take effect (time_sleep.grants, iam.tf).
  depends_on = [time_sleep.grants]
}

moved {
  from = google_cloudfunctions2_function.upload_file
  to   = google_cloudfunctions2_function.fn["UploadFile"]
}

moved {
  from = google_cloudfunctions2_function.outcome_send
  to   = google_cloudfunctions2_function.fn["OutcomeSend"]
}
