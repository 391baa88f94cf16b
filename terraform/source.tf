# The Go buildpack builds only the root package of the upload, so the whole
# module (go.mod at the repository root) is zipped, minus what the build does
# not need. The object name carries the archive's MD5: a source change makes a
# new object, and that redeploys every function.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/crm-source.zip"

  # Patterns are globs relative to the repository root; "**/" also matches
  # the root itself. Tests, test data and local files never reach the build
  # (a root-level external test package would even break it).
  excludes = [
    "terraform",
    ".git",
    ".github",
    ".ci",
    "scripts",
    "e2e",
    ".local",
    "**/testdata",
    "**/*_test.go",
    "**/portal-settings*.json",
    "**/*.zip",
    "**/.env",
    "**/.env.*",
  ]
}

resource "google_storage_bucket" "source" {
  project  = var.project_id
  name     = "${var.name_prefix}-src-${var.project_id}"
  location = var.region

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # The bucket holds only build inputs that can be rebuilt from the repository.
  force_destroy = true

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_object" "source" {
  bucket = google_storage_bucket.source.name
  name   = "src-${data.archive_file.source.output_md5}.zip"
  source = data.archive_file.source.output_path
}
