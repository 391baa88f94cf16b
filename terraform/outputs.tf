output "function_uris" {
  description = "HTTPS URI of each function, keyed by entry point."
  value       = { for entry_point, fn in google_cloudfunctions2_function.fn : entry_point => fn.service_config[0].uri }
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

output "portal_settings_inputs" {
  description = "Deployment facts the portal settings script needs: function URL per entry point, the authentication method and the API key header. Credentials are left out on purpose."
  value = {
    urls           = { for entry_point, fn in google_cloudfunctions2_function.fn : entry_point => fn.service_config[0].uri }
    auth_method    = var.auth_method
    api_key_header = var.api_key_header
  }
}
