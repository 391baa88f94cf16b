output "function_uris" {
  description = "HTTPS URI of each function, keyed by entry point."
  value       = { for entry_point, fn in local.deployed_functions : entry_point => fn.service_config[0].uri }
}

output "service_accounts" {
  description = "Runtime service account email of each function, keyed by entry point."
  value       = { for entry_point, sa in google_service_account.fn : entry_point => sa.email }
}

output "firestore_database" {
  description = "Firestore database ID the functions use (FIRESTORE_DATABASE)."
  value       = google_firestore_database.crm.name
}

output "source_bucket" {
  description = "Bucket holding the zipped function source."
  value       = google_storage_bucket.source.name
}

output "attachments_bucket" {
  description = "Bucket of the files uploaded through UploadFile (CRM_ATTACHMENTS_BUCKET)."
  value       = google_storage_bucket.attachments.name
}

output "ccai_bucket" {
  description = "Bucket and folder path CCAI Platform writes into (external storage) and StorageObject watches: enter them in the CCAI Platform portal."
  value = {
    name        = local.ccai_bucket_name
    folder_path = local.ccai_folder_path
  }
}

output "events_topic" {
  description = "Pub/Sub topic ID of the CRM's events (CRM_EVENTS_TOPIC), messages with attribute type = \"attachment.added\" or \"session.ended\"; subscribe with a subscription of your own."
  value       = google_pubsub_topic.events.name
}

output "outcome_queue" {
  description = "Full name of the Cloud Tasks queue of the CRM's outcome emails (CRM_OUTCOME_QUEUE), projects/P/locations/L/queues/Q: gcloud tasks list --queue=<its last part> --location=<region> shows the emails waiting or retrying."
  value       = local.outcome_queue
}

output "ccaip_writer_service_account" {
  description = "Service account for the CCAI Platform portal's external storage (\"Service Account (Bucket Owner)\"): Storage Object Admin on the CCAI bucket. Make its key with gcloud (README.md)."
  value       = google_service_account.ccaip_writer.email
}

output "portal_settings_inputs" {
  description = "Deployment facts the portal settings script needs: function URL per entry point (every function, UploadFile included), the authentication method, the API key header, for auth_method \"oauth\" the OAuth endpoint URLs (null otherwise), the external storage bucket and folder path, the address to type for session outcome emails (inbound_address) and the basic user name. Secret credentials (the inbound path secret too) are left out on purpose: scripts/portal-settings reads them from terraform.tfvars or the environment, as terraform apply did."
  value = {
    urls           = local.function_urls
    auth_method    = var.auth_method
    api_key_header = var.api_key_header
    oauth = var.auth_method == "oauth" ? {
      authorization_url = "${google_cloudfunctions2_function.fn["OAuth"].service_config[0].uri}/authorize"
      token_url         = "${google_cloudfunctions2_function.fn["OAuth"].service_config[0].uri}/token"
      revocation_url    = "${google_cloudfunctions2_function.fn["OAuth"].service_config[0].uri}/revoke"
      clients           = [for c in var.oauth_clients : { id = c.id, redirect_uris = c.redirect_uris }]
    } : null
    external_storage = {
      provider    = "gcs"
      bucket      = local.ccai_bucket_name
      folder_path = local.ccai_folder_path
    }
    inbound_address = var.inbound_address
    # Not a secret (a plain environment variable of the functions).
    basic_username = var.crm_basic_username
  }
}

output "secrets" {
  description = "Secret Manager secret ID of each secret this configuration created, keyed by logical name (api-keys, basic-password, signing-key, session-key, oauth-clients, admin-password-hash, google-client-secret, inbound-path-secret). IDs only, no values."
  value       = { for name, secret in google_secret_manager_secret.crm : name => secret.secret_id }
}
