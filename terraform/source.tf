# The Go buildpack builds only the root package of the upload, so the module
# (go.mod at the repository root) is zipped with exactly what that build
# reads: go.mod, go.sum, functions.go and the packages under functions/ and
# shared/ without their tests, test data and test helpers. The object name
# carries the archive's MD5: a change to that source makes a new object and
# redeploys every function; a change anywhere else (docs, cmd/, e2e/,
# scripts, terraform, a toolchain or .local in the workspace) changes
# nothing. scripts/terraform-check builds the root package from this very
# archive and fails when it holds anything else.
locals {
  source_root = "${path.module}/.."

  # Everything at the top of the repository is left out but these. Top-level
  # names are read from the files up to three levels down (fileset lists
  # files only), so a new folder is left out without being named here.
  source_keep = ["go.mod", "go.sum", "functions.go", "functions", "shared"]
  source_top = toset([
    for f in setunion(fileset(local.source_root, "*"), fileset(local.source_root, "*/*"), fileset(local.source_root, "*/*/*")) :
    split("/", f)[0]
  ])

  # Within functions/ and shared/: tests, their data, documents, and the
  # packages only tests and local tools import (the check above names any
  # such package this list lacks).
  source_excludes = concat(sort(setsubtract(local.source_top, local.source_keep)), [
    "**/*_test.go",
    "**/testdata",
    "**/*.md",
    "shared/portal/portal-settings.schema.json",
    "shared/agentpop/journaltest",
    "shared/browsertest",
    "shared/ccaiplayer",
    "shared/localstack",
    "shared/signin/signintest",
    "shared/smoke",
    "shared/taskemu",
    "shared/testenv",
    "shared/tfconfig",
  ])
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = local.source_root
  output_path = "${path.module}/.build/crm-source.zip"
  excludes    = local.source_excludes
  # The same archive (and MD5) whatever the checkout's umask.
  output_file_mode = "0644"
}

resource "google_storage_bucket" "source" {
  project  = var.project_id
  name     = "${var.name_prefix}-src-${var.project_id}"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # The bucket holds only build inputs that can be rebuilt from the
  # repository (the current archive; Terraform deletes the one before):
  # no versions, no soft delete.
  force_destroy = true

  versioning {
    enabled = false
  }

  soft_delete_policy {
    retention_duration_seconds = 0
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "source" {
  bucket = google_storage_bucket.source.name
  name   = "src-${data.archive_file.source.output_md5}.zip"
  source = data.archive_file.source.output_path
}
