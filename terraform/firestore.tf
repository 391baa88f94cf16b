locals {
  # The database's location: firestore_location, or the one that fits
  # region: the Firestore multi-region whose read-write regions include it,
  # else region itself (a Firestore regional location).
  firestore_multi_region = {
    "us-central1"  = "nam5"
    "europe-west1" = "eur3"
    "europe-west4" = "eur3"
  }
  firestore_location = var.firestore_location != "" ? var.firestore_location : lookup(local.firestore_multi_region, var.region, var.region)
}

resource "google_firestore_database" "crm" {
  project                 = var.project_id
  name                    = var.firestore_database
  location_id             = local.firestore_location
  type                    = "FIRESTORE_NATIVE"
  concurrency_mode        = "PESSIMISTIC"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"

  # ABANDON: `terraform destroy` only forgets the database; it and its data
  # stay in the project. Deleting it takes disabling delete protection and
  # removing it by hand (or setting deletion_policy = "DELETE" first).
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.enabled]
}

# The emulator runs these queries without indexes; production rejects them
# until the composite index exists. shared/gcpfirestore's
# TestEveryQueryHasItsIndexInTerraform checks that every query the store
# sends is served by an index declared here. Searches by session, exact
# identity (phone, email, custom user id) or custom field need none: they
# read every match (few, or no index could order them).

# Open records of an account, most recently updated first.
resource "google_firestore_index" "records_by_account_open_updated" {
  project     = var.project_id
  database    = google_firestore_database.crm.name
  collection  = "records"
  query_scope = "COLLECTION"

  fields {
    field_path = "account_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "open"
    order      = "ASCENDING"
  }
  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }
}

# All records of an account, most recently updated first.
resource "google_firestore_index" "records_by_account_updated" {
  project     = var.project_id
  database    = google_firestore_database.crm.name
  collection  = "records"
  query_scope = "COLLECTION"

  fields {
    field_path = "account_id"
    order      = "ASCENDING"
  }
  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }
}

# Accounts by trailing phone digits (a search pattern or a national
# number), most recently updated first.
resource "google_firestore_index" "accounts_by_phone_tail_updated" {
  project     = var.project_id
  database    = google_firestore_database.crm.name
  collection  = "accounts"
  query_scope = "COLLECTION"

  fields {
    field_path   = "phone_tails"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }
}

# Accounts by name, most recently updated first.
resource "google_firestore_index" "accounts_by_name_updated" {
  project     = var.project_id
  database    = google_firestore_database.crm.name
  collection  = "accounts"
  query_scope = "COLLECTION"

  fields {
    field_path = "name"
    order      = "ASCENDING"
  }
  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }
}

# Files from external storage waiting for their session's record, oldest
# first (SweepUnlinked: reported == false and created_at < cutoff). The other
# pending_files query (session_keys array-contains) and the attachments
# listing (order by created_at) use the automatic single-field indexes, so no
# single-field index exemption or configuration is needed: the indexed values
# are small, and the write rate is far from where a timestamp index becomes a
# hotspot.
resource "google_firestore_index" "pending_files_unreported_created" {
  project     = var.project_id
  database    = google_firestore_database.crm.name
  collection  = "pending_files"
  query_scope = "COLLECTION"

  fields {
    field_path = "reported"
    order      = "ASCENDING"
  }
  fields {
    field_path = "created_at"
    order      = "ASCENDING"
  }
}

# TTL policies: Firestore deletes a document some time (usually within a day)
# after the timestamp in expires_at has passed, so expired OAuth codes and
# tokens, old authentication failure counters and the request keys of past
# creates do not pile up. The code must still
# treat an expired document as absent. The fields keep their default
# single-field indexes (no index_config).

# OAuth authorization codes and tokens (collection "oauth").
resource "google_firestore_field" "oauth_expires_at" {
  project    = var.project_id
  database   = google_firestore_database.crm.name
  collection = "oauth"
  field      = "expires_at"

  ttl_config {}
}

# Failed authentication counters (collection "auth_failures"), used to lock
# out password and key guessing once the code keeps them in Firestore.
resource "google_firestore_field" "auth_failures_expires_at" {
  project    = var.project_id
  database   = google_firestore_database.crm.name
  collection = "auth_failures"
  field      = "expires_at"

  ttl_config {}

  # Field configuration changes are long-running operations on the database;
  # one at a time avoids conflicts.
  depends_on = [google_firestore_field.oauth_expires_at]
}

# Request keys of creates that carry no identity key (collection
# "request_keys"): kept for the retry window (crm.RetryWindow).
resource "google_firestore_field" "request_keys_expires_at" {
  project    = var.project_id
  database   = google_firestore_database.crm.name
  collection = "request_keys"
  field      = "expires_at"

  ttl_config {}

  depends_on = [google_firestore_field.auth_failures_expires_at]
}
