# Files: the CRM's own attachments bucket, and the bucket CCAI Platform
# writes into (external storage), which StorageObject watches. Who may do
# what in them is in iam.tf (functions) and below (CCAI Platform).

# Files uploaded through UploadFile. Uploads land under tmp/ and are copied to
# records/<record id>/<sha256> once complete; the lifecycle rule removes
# temporaries an interrupted upload left behind.
resource "google_storage_bucket" "attachments" {
  project  = var.project_id
  name     = "${var.name_prefix}-attachments-${var.project_id}"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Objects are content-addressed and never overwritten: no versions. A
  # deleted object (a record's attachment, or a finished upload's temporary)
  # can be restored for 7 days (soft delete).
  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = 604800
  }

  lifecycle_rule {
    condition {
      age            = 1
      matches_prefix = ["tmp/"]
    }
    action {
      type = "Delete"
    }
  }

  # Holds the CRM's data: `terraform destroy` fails while it has objects.
  force_destroy = false

  depends_on = [google_project_service.enabled]
}

locals {
  create_ccai_bucket = var.ccai_bucket == ""

  # CCAI bucket: the one created below, or the existing var.ccai_bucket.
  ccai_bucket_name = local.create_ccai_bucket ? google_storage_bucket.ccai[0].name : var.ccai_bucket

  # The code trims slashes too; "" is the bucket's root.
  ccai_folder_path = trim(var.ccai_folder_path, "/")
}

# Created when ccai_bucket is empty.
resource "google_storage_bucket" "ccai" {
  count = local.create_ccai_bucket ? 1 : 0

  project  = var.project_id
  name     = "${var.name_prefix}-ccai-${var.project_id}"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # CCAI Platform keeps no copy of recordings, transcripts and metadata:
  # this bucket is their store of record. `terraform destroy` fails while it
  # has objects.
  force_destroy = false

  # CCAI Platform's writer account may overwrite and delete objects (it
  # rewrites a session's metadata file once, about 15 minutes after the
  # first write), and so may its key. Nothing it does goes without trace:
  # an overwritten or deleted object stays as a noncurrent version for a
  # year, and a deleted version stays restorable for 30 days more (soft
  # delete); the writer account cannot change these settings (README.md,
  # "CCAI Platform external storage").
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 365
    }
    action {
      type = "Delete"
    }
  }

  soft_delete_policy {
    retention_duration_seconds = 2592000
  }

  depends_on = [google_project_service.enabled]
}

# The account to enter in the CCAI Platform portal's external storage
# settings ("Service Account (Bucket Owner)"), which asks for Storage Object
# Admin on the bucket and a JSON key. Terraform makes no key (it would land
# in the state): see README.md, "CCAI Platform external storage".
resource "google_service_account" "ccaip_writer" {
  project      = var.project_id
  account_id   = local.service_account_ids["ccaip-writer"]
  display_name = "CCAI Platform external storage writer"
  description  = "CCAI Platform writes recordings, transcripts, media and session metadata into the CCAI bucket as this account (its key is uploaded in the CCAI Platform portal)."

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "ccaip_writer" {
  bucket = local.ccai_bucket_name
  role   = "roles/storage.objectAdmin"
  member = google_service_account.ccaip_writer.member
}
