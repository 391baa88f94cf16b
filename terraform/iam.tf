locals {
  # Service account IDs must be 6-30 characters. "<prefix>-fn-<slug>" fits for
  # the default prefix ("crm-fn-find-account-by-query" is 28); a longer one is
  # cut to 25 characters plus a hash of the full ID so the IDs stay unique.
  service_account_ids = {
    for entry_point, slug in local.function_slugs :
    entry_point => (
      length("${var.name_prefix}-fn-${slug}") <= 30
      ? "${var.name_prefix}-fn-${slug}"
      : "${trimsuffix(substr("${var.name_prefix}-fn-${slug}", 0, 25), "-")}-${substr(sha1("${var.name_prefix}-fn-${slug}"), 0, 4)}"
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

# Reads and writes accounts, records and comments in Firestore.
resource "google_project_iam_member" "datastore_user" {
  for_each = local.functions

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.fn[each.key].member
}

# The functions are public: CCAI Platform cannot present a Google identity,
# so every handler authenticates the call itself (auth_method), and the OAuth
# function's /authorize, /token, /revoke and /signin endpoints must be
# reachable by CCAI Platform and by users' browsers.
resource "google_cloud_run_service_iam_member" "public_invoker" {
  for_each = local.functions

  project  = var.project_id
  location = google_cloudfunctions2_function.fn[each.key].location
  service  = google_cloudfunctions2_function.fn[each.key].name
  role     = "roles/run.invoker"
  member   = "allUsers"
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
