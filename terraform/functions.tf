locals {
  # One Cloud Function per Generic API endpoint, plus ReadAPI and OAuth (the
  # OAuth 2.0 authorization server with the CRM sign-in pages), keyed by the
  # entry point the root package registers (functions.HTTP). All share one source archive; the
  # framework serves only the entry point named in build_config.entry_point.
  functions = {
    FindAccountByQuery = { description = "Generic API: find an account by query" }
    FindAccountByID    = { description = "Generic API: find an account by ID" }
    CreateAccount      = { description = "Generic API: create an account" }
    FindRecordByQuery  = { description = "Generic API: find a record by query" }
    CreateRecord       = { description = "Generic API: create a record" }
    UpdateRecord       = { description = "Generic API: update a record" }
    Comment            = { description = "Generic API: add a comment to a record" }
    ReadAPI            = { description = "CRM read API" }
    OAuth              = { description = "OAuth 2.0 authorization server and CRM sign-in" }
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

  # Every function gets the same plain settings; secrets come separately
  # (secret_environment_variables, secrets.tf). A setting left empty is not
  # set at all: the provider turns "" map values into null, and the code reads
  # unset as empty.
  function_environment = {
    for name, value in {
      GOOGLE_CLOUD_PROJECT = var.project_id
      FIRESTORE_DATABASE   = google_firestore_database.crm.name
      CRM_AUTH_METHOD      = var.auth_method
      CRM_API_KEY_HEADER   = var.api_key_header
      CRM_BASIC_USERNAME   = var.crm_basic_username
      CRM_PHONE_REGION     = var.phone_region
      CRM_REQUEST_TIMEOUT  = var.request_timeout
      CRM_ADMIN_USERNAME   = var.admin_username
      CRM_GOOGLE_CLIENT_ID = var.google_client_id
      CRM_ALLOWED_USERS    = join(",", var.allowed_users)
      CRM_ACCESS_TOKEN_TTL = var.access_token_ttl
      LOG_EXECUTION_ID     = "true"
    } : name => value if value != ""
  }
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = local.function_names[each.key]
  description = each.value.description

  build_config {
    runtime     = "go126"
    entry_point = each.key

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = var.function_memory
    # More than one concurrent request per instance needs a whole CPU.
    available_cpu                    = "1"
    max_instance_request_concurrency = 20
    timeout_seconds                  = 60
    min_instance_count               = var.min_instances
    max_instance_count               = var.max_instances
    # Public: CCAI Platform calls from the internet and the functions check
    # its credentials themselves (see iam.tf).
    ingress_settings      = "ALLOW_ALL"
    service_account_email = google_service_account.fn[each.key].email
    environment_variables = local.function_environment

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

  depends_on = [
    google_project_service.enabled,
    # The runtime account must be able to use Firestore from the first
    # request, and a revision does not deploy without access to its secrets.
    google_project_iam_member.datastore_user,
    google_secret_manager_secret_iam_member.accessor,
  ]
}
