# Credentials live in Secret Manager, one secret per value, named
# <name_prefix>-<logical name>. Each function reads only the secrets it needs
# (local.function_secrets), as environment variables pinned to the version
# created here, and its service account may access only those (iam.tf).

# Signs OAuth access and refresh tokens. Generated once and kept in the
# state (random_password.result) unless var.signing_key is set.
resource "random_password" "signing_key" {
  count = nonsensitive(var.signing_key == "") ? 1 : 0

  length  = 48
  special = false
}

# Signs the CRM users' sign-in session cookies: a key of its own, so that
# rotating it (terraform apply -replace=random_password.session_key) ends
# every sign-in session without touching CCAI Platform's tokens, and
# rotating the signing key leaves the sessions alone. Only the OAuth
# function reads it.
resource "random_password" "session_key" {
  length  = 48
  special = false
}

locals {
  # Logical secret name -> the environment variable the functions read.
  secret_env = {
    "api-keys"             = "CRM_API_KEYS"
    "basic-password"       = "CRM_BASIC_PASSWORD"
    "signing-key"          = "CRM_SIGNING_KEY"
    "session-key"          = "CRM_SESSION_KEY"
    "oauth-clients"        = "CRM_OAUTH_CLIENTS"
    "admin-password-hash"  = "CRM_ADMIN_PASSWORD_HASH"
    "google-client-secret" = "CRM_GOOGLE_CLIENT_SECRET"
    "inbound-path-secret"  = "CRM_INBOUND_PATH_SECRET"
    "smtp-password"        = "CRM_SMTP_PASSWORD"
  }

  # Which secrets exist. Secret Manager rejects an empty version, so a secret
  # whose value is empty is not created at all and the variable stays unset
  # on the functions (the code reads unset as empty). nonsensitive() reveals
  # only whether a value is set.
  secret_wanted = {
    "api-keys"             = var.auth_method == "custom_header" && nonsensitive(var.crm_api_keys != "")
    "basic-password"       = var.auth_method == "basic" && nonsensitive(var.crm_basic_password != "")
    "signing-key"          = true
    "session-key"          = true
    "oauth-clients"        = var.auth_method == "oauth"
    "admin-password-hash"  = nonsensitive(var.admin_password_hash != "")
    "google-client-secret" = nonsensitive(var.google_client_secret != "")
    "inbound-path-secret"  = nonsensitive(var.inbound_path_secret != "")
    "smtp-password"        = nonsensitive(var.smtp_password != "")
  }
  secret_names = toset([for name, wanted in local.secret_wanted : name if wanted])

  secret_values = {
    "api-keys"       = var.crm_api_keys
    "basic-password" = var.crm_basic_password
    # one(): random_password has no instance when var.signing_key is set.
    "signing-key"          = nonsensitive(var.signing_key != "") ? var.signing_key : one(random_password.signing_key[*].result)
    "session-key"          = random_password.session_key.result
    "oauth-clients"        = jsonencode(var.oauth_clients)
    "admin-password-hash"  = var.admin_password_hash
    "google-client-secret" = var.google_client_secret
    "inbound-path-secret"  = var.inbound_path_secret
    "smtp-password"        = var.smtp_password
  }

  # The secrets a Generic API function (and ReadAPI) checks requests
  # against. With OAuth: the signing key verifies the bearer tokens, and
  # the clients configuration names the client each token was issued to.
  auth_method_secrets = {
    custom_header = ["api-keys"]
    basic         = ["basic-password"]
    oauth         = ["signing-key", "oauth-clients"]
  }[var.auth_method]

  # Secrets only some functions read, if they exist: the OAuth function's,
  # the SMTP password OutcomeSend sends the outcome emails with, the path
  # secret of InboundEmail, and the sign-in secrets of the agent pages
  # (with that path secret: their admin page's portal settings file has it
  # in its inbound URL).
  own_secrets = {
    OAuth        = ["signing-key", "session-key", "oauth-clients", "admin-password-hash", "google-client-secret"]
    Pages        = ["session-key", "admin-password-hash", "google-client-secret", "inbound-path-secret"]
    OutcomeSend  = ["smtp-password"]
    InboundEmail = ["inbound-path-secret"]
  }

  # Function (entry point) -> logical names of the secrets it reads.
  function_secrets = {
    for entry_point in keys(local.functions) :
    entry_point => [
      # Those functions read the method's secrets too: every function checks
      # the whole configuration at start.
      for name in distinct(concat(lookup(local.own_secrets, entry_point, []), local.auth_method_secrets)) :
      name if contains(local.secret_names, name)
    ]
  }
}

resource "google_secret_manager_secret" "crm" {
  for_each = local.secret_names

  project   = var.project_id
  secret_id = "${var.name_prefix}-${each.key}"

  labels = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_version" "crm" {
  for_each = local.secret_names

  secret = google_secret_manager_secret.crm[each.key].id

  # Write-only: the value goes to Secret Manager but not into the state.
  # Terraform cannot see a write-only value change, so the version number is
  # a fingerprint of the value (the first 28 bits of its SHA-256, which fits
  # an int32): a new value changes it, which replaces this resource, i.e. adds
  # a new secret version, and the functions pinned to it redeploy. The state
  # keeps the fingerprint (README.md, "Secrets and the state").
  secret_data_wo         = local.secret_values[each.key]
  secret_data_wo_version = parseint(substr(sha256(local.secret_values[each.key]), 0, 7), 16)

  lifecycle {
    # Add the new version and repoint the functions before the old version
    # is destroyed, so running instances never reference a destroyed one.
    create_before_destroy = true
  }
}
