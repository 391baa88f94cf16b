variable "project_id" {
  description = "Google Cloud project that hosts the functions, the Firestore database and the source bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project ID (6-30 characters: lowercase letters, digits, hyphens), not a project name or number."
  }
}

variable "region" {
  description = "Region of the functions and the source bucket."
  type        = string
  default     = "us-central1"
}

variable "firestore_location" {
  description = "Firestore location: a multi-region such as nam5 or eur3, or a region. It cannot be changed once the database exists."
  type        = string
  default     = "nam5"
}

variable "firestore_database" {
  description = "Firestore database ID; the functions get it as FIRESTORE_DATABASE."
  type        = string
  default     = "(default)"

  validation {
    condition     = var.firestore_database == "(default)" || can(regex("^[a-z][a-z0-9-]{2,61}[a-z0-9]$", var.firestore_database))
    error_message = "firestore_database must be \"(default)\" or 4-63 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: functions are named <prefix>-<entry-point-in-kebab-case>, the bucket <prefix>-src-<project_id>."
  type        = string
  default     = "crm"

  validation {
    # 20 characters keeps the bucket name (prefix + "-src-" + 30-character
    # project ID) within the 63-character limit.
    condition     = can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 1-20 characters of lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "auth_method" {
  description = "How the functions authenticate CCAI Platform calls: \"basic\" (HTTP Basic with crm_basic_username / crm_basic_password) or \"custom_header\" (an API key from crm_api_keys in the api_key_header header). Set the same method in the CCAI Platform portal."
  type        = string
  default     = "custom_header"

  validation {
    condition     = contains(["basic", "custom_header"], var.auth_method)
    error_message = "auth_method must be \"basic\" or \"custom_header\"."
  }
}

variable "api_key_header" {
  description = "Name of the request header that carries the API key when auth_method is \"custom_header\"."
  type        = string
  default     = "X-Api-Key"

  validation {
    condition     = can(regex("^[A-Za-z0-9-]+$", var.api_key_header))
    error_message = "api_key_header must be an HTTP header name (letters, digits, hyphens)."
  }
}

variable "phone_region" {
  description = "Default region (ISO 3166-1 alpha-2) for parsing phone numbers that carry no country code."
  type        = string
  default     = "US"

  validation {
    condition     = can(regex("^[A-Z]{2}$", var.phone_region))
    error_message = "phone_region must be two uppercase letters, such as US or GB."
  }
}

variable "request_timeout" {
  description = "Deadline a function gives its Firestore calls, as a Go duration. Keep it below the API timeout set in CCAI Platform (1-10 s)."
  type        = string
  default     = "4s"

  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s))+$", var.request_timeout))
    error_message = "request_timeout must be a Go duration in seconds or milliseconds, such as 4s, 2.5s or 4500ms."
  }
}

variable "min_instances" {
  description = "Minimum instances per function. Above 0 avoids cold starts, but idle instances are billed."
  type        = number
  default     = 0

  validation {
    condition     = var.min_instances >= 0 && floor(var.min_instances) == var.min_instances
    error_message = "min_instances must be a whole number, 0 or more."
  }
}

variable "max_instances" {
  description = "Maximum instances per function."
  type        = number
  default     = 20

  validation {
    condition     = var.max_instances >= 1 && floor(var.max_instances) == var.max_instances && var.max_instances >= var.min_instances
    error_message = "max_instances must be a whole number, at least 1 and at least min_instances."
  }
}

variable "function_memory" {
  description = "Memory per function instance, such as 256M or 512Mi. Each instance gets one full CPU (needed to serve concurrent requests), which allows up to 4Gi."
  type        = string
  default     = "256M"

  validation {
    condition     = can(regex("^[0-9]+(M|Mi|G|Gi)$", var.function_memory))
    error_message = "function_memory must be a number followed by M, Mi, G or Gi, such as 256M."
  }
}

# Credentials: passed as plain environment variables for now; a later issue
# moves them to Secret Manager (secret_environment_variables). Until then they
# are stored in clear text in the Terraform state and in the function
# configuration, so keep the state private and the values out of version
# control (use a git-ignored terraform.tfvars or TF_VAR_* variables).

variable "crm_basic_username" {
  description = "User name CCAI Platform sends with HTTP Basic auth (auth_method \"basic\"). Becomes CRM_BASIC_USERNAME."
  type        = string
  default     = ""
}

variable "crm_basic_password" {
  description = "Password CCAI Platform sends with HTTP Basic auth (auth_method \"basic\"). Becomes CRM_BASIC_PASSWORD."
  type        = string
  default     = ""
  sensitive   = true
}

variable "crm_api_keys" {
  description = "API keys accepted in the api_key_header header (auth_method \"custom_header\"), in the format the functions parse from CRM_API_KEYS."
  type        = string
  default     = ""
  sensitive   = true
}

# A warning, not an error: a deployment without credentials is valid but
# answers every CCAI Platform call with 401.
check "credentials_for_auth_method" {
  assert {
    condition = (
      var.auth_method == "basic"
      ? var.crm_basic_username != "" && nonsensitive(var.crm_basic_password != "")
      : nonsensitive(var.crm_api_keys != "")
    )
    error_message = "No credentials for auth_method \"${var.auth_method}\": set crm_api_keys (custom_header) or crm_basic_username and crm_basic_password (basic), or every call is rejected."
  }
}
