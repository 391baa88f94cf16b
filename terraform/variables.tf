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
  description = "Firestore location: a multi-region such as nam5 or eur3, or a region. Empty (the default): the location that fits region, the multi-region it is part of (us-central1: nam5; europe-west1, europe-west4: eur3) or region itself (firestore.tf). It cannot be changed once the database exists."
  type        = string
  default     = ""

  validation {
    condition     = var.firestore_location == "" || can(regex("^([a-z]+[0-9]+|[a-z]+-[a-z]+[0-9]+)$", var.firestore_location))
    error_message = "firestore_location must be empty, a multi-region such as nam5 or eur3, or a region such as europe-west2."
  }
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
  description = "Prefix of every resource name: functions are named <prefix>-<entry-point-in-kebab-case>, the buckets <prefix>-src-<project_id>, <prefix>-attachments-<project_id> and <prefix>-ccai-<project_id>, the topic <prefix>-events."
  type        = string
  default     = "crm"

  validation {
    # 20 characters keeps the longest bucket name (prefix + "-attachments-" +
    # 30-character project ID) within the 63-character limit.
    condition     = can(regex("^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 1-20 characters of lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "auth_method" {
  description = "How the Generic API functions and ReadAPI authenticate CCAI Platform calls: \"basic\" (HTTP Basic with crm_basic_username / crm_basic_password), \"custom_header\" (an API key from crm_api_keys in the api_key_header header) or \"oauth\" (a bearer token the OAuth function issued to a client in oauth_clients). Set the same method in the CCAI Platform portal."
  type        = string
  default     = "custom_header"

  validation {
    condition     = contains(["basic", "custom_header", "oauth"], var.auth_method)
    error_message = "auth_method must be \"basic\", \"custom_header\" or \"oauth\"."
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
    # The regions the functions' phone number library knows
    # (github.com/nyaruka/phonenumbers, phone.CheckRegion); a test in
    # shared/config compares them.
    condition = contains(split(" ", join(" ", [
      "AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE",
      "BF BG BH BI BJ BL BM BN BO BQ BR BS BT BW BY BZ CA CC CD CF",
      "CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO",
      "DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG",
      "GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL",
      "IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW",
      "KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH",
      "MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF",
      "NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PR PS PT",
      "PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM",
      "SN SO SR SS ST SV SX SY SZ TA TC TD TG TH TJ TK TL TM TN TO",
      "TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK",
      "YE YT ZA ZM ZW",
    ])), var.phone_region)
    error_message = "phone_region must be a region code in uppercase, such as US or GB, that the phone number library knows."
  }
}

variable "request_timeout" {
  description = "Deadline of each request's work, as a Go duration above 0 and at most 10s (CRM_REQUEST_TIMEOUT). Keep it below the API request timeout set in CCAI Platform (1-10 s)."
  type        = string
  default     = "4s"

  validation {
    # What Go's time.ParseDuration accepts in seconds and milliseconds,
    # above 0 and at most 10 s (the functions refuse anything else at start).
    condition = can(regex("^([0-9]+(\\.[0-9]+)?(ms|s))+$", var.request_timeout)) && try(alltrue([
      for ms in [sum([for p in regexall("([0-9.]+)(ms|s)", var.request_timeout) : tonumber(p[0]) * { s = 1000, ms = 1 }[p[1]]])] :
      ms > 0 && ms <= 10000
    ]), false)
    error_message = "request_timeout must be a Go duration in seconds or milliseconds above 0 and at most 10s, such as 4s, 2.5s or 4500ms."
  }
}

variable "transfer_timeout" {
  description = "Deadline of one upload or download through UploadFile, in seconds (CRM_TRANSFER_TIMEOUT): a transfer lasts as long as the client takes to send or read the bytes. UploadFile's function timeout is 10 s more, so that it answers before it is cut; Cloud Functions serve a request for at most 3600 s."
  type        = number
  default     = 290

  validation {
    condition     = var.transfer_timeout >= 1 && var.transfer_timeout <= 3590 && floor(var.transfer_timeout) == var.transfer_timeout
    error_message = "transfer_timeout must be a whole number of seconds from 1 to 3590."
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

# Credentials. The secret ones (sensitive) become Secret Manager secret
# versions (secrets.tf), which the functions read as environment variables.
# Terraform writes them with the write-only secret_data_wo, so the state keeps
# only a short fingerprint of each, not the value; a saved plan file does hold
# them. Keep them out of version control: use a git-ignored terraform.tfvars or
# TF_VAR_* variables.

variable "crm_basic_username" {
  description = "User name CCAI Platform sends with HTTP Basic auth (auth_method \"basic\"). Not a secret: a plain environment variable, CRM_BASIC_USERNAME."
  type        = string
  default     = ""
}

variable "crm_basic_password" {
  description = "Password CCAI Platform sends with HTTP Basic auth (auth_method \"basic\"). Stored in the secret <name_prefix>-basic-password (CRM_BASIC_PASSWORD)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "crm_api_keys" {
  description = "API keys accepted in the api_key_header header (auth_method \"custom_header\"), comma-separated, each at least 16 characters. Stored in the secret <name_prefix>-api-keys (CRM_API_KEYS)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "signing_key" {
  description = "Key that signs OAuth access and refresh tokens (CRM_SIGNING_KEY, secret <name_prefix>-signing-key). Leave empty to have Terraform generate one (48 random letters and digits, kept in the state). Changing it invalidates every issued token; CRM users' sign-in sessions have a key of their own (random_password.session_key)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.signing_key == "" || length(var.signing_key) >= 32
    error_message = "signing_key must be empty (generated) or at least 32 characters."
  }
}

variable "oauth_clients" {
  description = "OAuth clients allowed to get tokens (auth_method \"oauth\"), normally one for CCAI Platform: id, bcrypt hash of the client secret, and the exact redirect URIs. Stored as JSON in the secret <name_prefix>-oauth-clients (CRM_OAUTH_CLIENTS)."
  type = list(object({
    id            = string
    secret_hash   = string
    redirect_uris = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for c in var.oauth_clients : can(regex("^[A-Za-z0-9._~-]{1,128}$", c.id))])
    error_message = "Each oauth_clients id must be 1-128 letters, digits, '.', '_', '~' or '-'."
  }

  validation {
    condition     = length(distinct([for c in var.oauth_clients : c.id])) == length(var.oauth_clients)
    error_message = "oauth_clients ids must be unique."
  }

  validation {
    condition     = alltrue([for c in var.oauth_clients : can(regex("^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$", c.secret_hash))])
    error_message = "Each oauth_clients secret_hash must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), not the secret itself."
  }

  validation {
    condition = alltrue([
      for c in var.oauth_clients :
      length(c.redirect_uris) > 0 && alltrue([for u in c.redirect_uris : can(regex("^https://[^\\s#]+$", u))])
    ])
    error_message = "Each oauth_clients entry needs at least one redirect URI, each an absolute https:// URL without a fragment."
  }
}

variable "admin_username" {
  description = "User name of the built-in CRM administrator who can sign in on the OAuth function's /signin page (CRM_ADMIN_USERNAME)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[^\\s:]{1,64}$", var.admin_username))
    error_message = "admin_username must be 1-64 characters without spaces or colons."
  }
}

variable "admin_password_hash" {
  description = "bcrypt hash of the administrator's password (CRM_ADMIN_PASSWORD_HASH, secret <name_prefix>-admin-password-hash). Empty: no password sign-in. Make one with `go run ./cmd/hashpassword` or `htpasswd -bnBC 10 \"\" 'password' | tr -d ':\\n'`."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.admin_password_hash == "" || can(regex("^\\$2[aby]\\$[0-9]{2}\\$[./A-Za-z0-9]{53}$", var.admin_password_hash))
    error_message = "admin_password_hash must be empty or a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters), not the password itself."
  }
}

variable "google_client_id" {
  description = "OAuth client ID of a Google Cloud OAuth client for \"Sign in with Google\" on the /signin page (CRM_GOOGLE_CLIENT_ID). Empty: no Google sign-in."
  type        = string
  default     = ""

  validation {
    condition     = var.google_client_id == "" || endswith(var.google_client_id, ".apps.googleusercontent.com")
    error_message = "google_client_id must be empty or a Google OAuth client ID ending in .apps.googleusercontent.com."
  }
}

variable "google_client_secret" {
  description = "Client secret of the Google OAuth client in google_client_id (CRM_GOOGLE_CLIENT_SECRET, secret <name_prefix>-google-client-secret)."
  type        = string
  default     = ""
  sensitive   = true
}

variable "inbound_senders" {
  description = "The addresses session outcome emails may come from (InboundEmail); mail from anyone else answers 403 and is not stored. Passed comma-separated as CRM_INBOUND_SENDERS."
  type        = list(string)
  default     = ["no-reply@ccaiplatform.com"]

  validation {
    condition     = length(var.inbound_senders) > 0 && alltrue([for a in var.inbound_senders : can(regex("^[^@\\s,]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", a))])
    error_message = "inbound_senders must hold at least one email address (no-reply@ccaiplatform.com), without commas."
  }
}

variable "inbound_path_secret" {
  description = "For inbound mail gateways that cannot send headers: a secret that authenticates a session outcome email posted to the InboundEmail function's URL + \"/\" + the secret, instead of the Generic API's credentials (CRM_INBOUND_PATH_SECRET, secret <name_prefix>-inbound-path-secret, read by InboundEmail only). At least 32 letters, digits, \"-\", \"_\", \".\" or \"~\" (checked again by the function, auth.CheckPathSecret). Empty: no path secret, only the Generic API's authentication. The portal settings script puts it in session_outcome_email.inbound_url (pass it as TF_VAR_inbound_path_secret)."
  type        = string
  default     = ""
  sensitive   = true

  validation {
    condition     = var.inbound_path_secret == "" || can(regex("^[A-Za-z0-9._~-]{32,}$", var.inbound_path_secret))
    error_message = "inbound_path_secret must be empty or at least 32 letters, digits, '-', '_', '.' or '~'."
  }
}

variable "inbound_address" {
  description = "The address of the team's inbound mail gateway, which posts what it receives to InboundEmail: what to type in the portal's \"Send session outcome via Email\" (session_outcome_email.address of the portal settings file). Empty: the file says the setting is not enabled."
  type        = string
  default     = ""

  validation {
    condition     = var.inbound_address == "" || can(regex("^[^@\\s,]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", var.inbound_address))
    error_message = "inbound_address must be empty or one email address."
  }
}

variable "allowed_users" {
  description = "Who may sign in with Google: email addresses (\"agent@example.com\") or whole domains (\"@example.com\"). Passed comma-separated as CRM_ALLOWED_USERS."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.allowed_users : can(regex("^([^@\\s,]+@|@)[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", u))])
    error_message = "Each allowed_users entry must be an email address (user@example.com) or a domain starting with @ (@example.com), without commas."
  }
}

variable "admin_users" {
  description = "Google users (email addresses, among allowed_users) who may use the agent pages' admin page (/admin: the portal settings file, outcome email settings, users), besides the local administrator. Passed comma-separated as CRM_ADMIN_USERS."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.admin_users : can(regex("^[^@\\s,<>\"]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+$", u))])
    error_message = "Each admin_users entry must be one email address (ops@example.com); domains are not allowed."
  }
}

variable "ccai_tenant_origin" {
  description = "The CCAI Platform tenant's origin, such as https://acme.ccaiplatform.com (CRM_CCAI_TENANT_ORIGIN): the CRM page for the portal (display_crm_url) hosts its call and chat adapters and follows only its messages. Empty: that page says it is not configured."
  type        = string
  default     = ""

  validation {
    condition     = var.ccai_tenant_origin == "" || can(regex("^https://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?/?$", var.ccai_tenant_origin))
    error_message = "ccai_tenant_origin must be an https origin such as https://acme.ccaiplatform.com (no path)."
  }
}

variable "frame_ancestors" {
  description = "Who may show the CRM's pages (sign-in, consent) in a frame: the Content-Security-Policy frame-ancestors sources, one space apart (CRM_FRAME_ANCESTORS). 'self', 'none' (alone), or origins with an optional wildcard subdomain and port, such as https://*.ccaiplatform.com; the default admits the CCAI Platform portal."
  type        = string
  default     = "'self' https://*.ccaiplatform.com https://*.ujet.co"

  validation {
    # The same pattern as config.FrameAncestorsPattern (shared/config; a
    # test keeps them equal).
    condition     = can(regex("^('none'|('self'|https?://(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}|\\*))?)( ('self'|https?://(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}|\\*))?))*)$", var.frame_ancestors))
    error_message = "frame_ancestors must be 'self', 'none' (alone) or origins such as https://*.ccaiplatform.com or https://portal.example:8443 (scheme http or https, optional *. and port, no path), one space apart."
  }
}

variable "oauth_code_ttl" {
  description = "Lifetime of the OAuth authorization codes the OAuth function issues, as a Go duration such as 10m or 90s (CRM_OAUTH_CODE_TTL)."
  type        = string
  default     = "10m"

  validation {
    condition     = can(regex("^([0-9]+(h|m|s))+$", var.oauth_code_ttl)) && can(regex("[1-9]", var.oauth_code_ttl))
    error_message = "oauth_code_ttl must be a positive Go duration in hours, minutes and seconds, such as 10m or 90s."
  }
}

variable "access_token_ttl" {
  description = "Lifetime of the OAuth access tokens the OAuth function issues, as a Go duration such as 1h or 30m (CRM_ACCESS_TOKEN_TTL)."
  type        = string
  default     = "1h"

  validation {
    condition     = can(regex("^([0-9]+(h|m|s))+$", var.access_token_ttl)) && can(regex("[1-9]", var.access_token_ttl))
    error_message = "access_token_ttl must be a positive Go duration in hours, minutes and seconds, such as 1h, 30m or 1h30m."
  }
}

# Files.

variable "ccai_bucket" {
  description = "Existing Cloud Storage bucket CCAI Platform writes into (external storage), in project_id: Terraform then creates no bucket. Empty: Terraform creates <name_prefix>-ccai-<project_id> in region."
  type        = string
  default     = ""

  validation {
    condition     = var.ccai_bucket == "" || can(regex("^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$", var.ccai_bucket))
    error_message = "ccai_bucket must be empty or a bucket name (3-63 lowercase letters, digits, '-', '_', '.'), without gs://."
  }
}

variable "ccai_folder_path" {
  description = "Folder path set in the CCAI Platform external storage settings, such as \"ccaip\" (CRM_CCAI_FOLDER_PATH). Empty: the bucket's root. StorageObject leaves objects outside it alone."
  type        = string
  default     = ""

  validation {
    condition     = !can(regex("\\s", var.ccai_folder_path)) && !strcontains(var.ccai_folder_path, "//")
    error_message = "ccai_folder_path must not contain spaces or empty segments (\"//\")."
  }
}

variable "unlinked_after" {
  description = "How long a file from external storage may wait for its session's record before SweepUnlinked reports it, as a Go duration such as 1h or 90m (CRM_UNLINKED_AFTER)."
  type        = string
  default     = "1h"

  validation {
    condition     = can(regex("^([0-9]+(h|m|s))+$", var.unlinked_after)) && can(regex("[1-9]", var.unlinked_after))
    error_message = "unlinked_after must be a positive Go duration in hours, minutes and seconds, such as 1h, 90m or 1h30m."
  }
}

# The CRM's own session outcome emails (tasks.tf). Who gets them is set in the
# CRM (the OutcomeSettings function), not here; these say how they are sent.

variable "outcome_from" {
  description = "From address of the CRM's outcome emails, such as \"CRM <crm@example.com>\" or crm@example.com (CRM_OUTCOME_FROM). Required when smtp_addr is set; an address the SMTP relay may send from."
  type        = string
  default     = ""

  validation {
    condition     = var.outcome_from == "" || can(regex("^([^<>\"@,;:\\\\\\s][^<>\"@,;:\\\\\\r\\n]* <[^@\\s<>,]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+>|[^@\\s<>,]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+)$", var.outcome_from))
    error_message = "outcome_from must be an email address (crm@example.com) or a name and an address (CRM <crm@example.com>; no quotes, commas or colons in the name)."
  }

  validation {
    condition     = var.smtp_addr == "" || var.outcome_from != ""
    error_message = "smtp_addr is set: outcome_from (the From address of the outcome emails) must be set too."
  }
}

variable "smtp_addr" {
  description = "SMTP relay the outcome emails go through, as host:port, such as smtp.sendgrid.net:587 (CRM_SMTP_ADDR). Empty (the default): no outcome email is sent; the queue is still created."
  type        = string
  default     = ""

  validation {
    condition     = var.smtp_addr == "" || can(regex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*:[1-9][0-9]{0,4}$", var.smtp_addr)) && try(tonumber(split(":", var.smtp_addr)[1]) <= 65535, false)
    error_message = "smtp_addr must be empty or host:port, such as smtp.sendgrid.net:587 (a host name or IPv4 address, and a port from 1 to 65535)."
  }
}

variable "smtp_tls" {
  description = "How the connection to smtp_addr is secured (CRM_SMTP_TLS): \"starttls\" (the default: a plain connection upgraded with STARTTLS, which the server must offer; port 587 or 25) or \"tls\" (TLS from the start; port 465)."
  type        = string
  default     = "starttls"

  validation {
    condition     = contains(["starttls", "tls"], var.smtp_tls)
    error_message = "smtp_tls must be \"starttls\" or \"tls\"."
  }
}

variable "smtp_username" {
  description = "User name for SMTP authentication at smtp_addr, such as \"apikey\" for SendGrid (CRM_SMTP_USERNAME). Empty: no authentication."
  type        = string
  default     = ""
}

variable "smtp_password" {
  description = "Password for SMTP authentication (the SendGrid API key, for example). Stored in the secret <name_prefix>-smtp-password (CRM_SMTP_PASSWORD), read by OutcomeSend only."
  type        = string
  default     = ""
  sensitive   = true
}

variable "outcome_delay" {
  description = "How long after a session's end its outcome email goes out, as a Go duration from 0 to 720h such as 15m, 90s or 1h30m (CRM_OUTCOME_DELAY). CCAI Platform sends its own about 15 minutes after; the delay gives the session's metadata time to arrive."
  type        = string
  default     = "15m"

  validation {
    # What Go's time.ParseDuration accepts in hours, minutes, seconds and
    # milliseconds ("0" alone too), and at most 720h (30 days).
    condition = can(regex("^(0|([0-9]+(\\.[0-9]+)?(h|m|s|ms))+)$", var.outcome_delay)) && try(sum(concat([0], [
      for p in regexall("([0-9.]+)(ms|h|m|s)", var.outcome_delay) : tonumber(p[0]) * { h = 3600, m = 60, s = 1, ms = 0.001 }[p[1]]
    ])) <= 720 * 3600, false)
    error_message = "outcome_delay must be a Go duration from 0 to 720h in hours, minutes, seconds or milliseconds, such as 15m, 90s or 1h30m."
  }
}

variable "outcome_max_attempts" {
  description = "How many times the queue tries to deliver one outcome email task, the first included (the queue's max_attempts; CRM_OUTCOME_MAX_ATTEMPTS). After the last failure OutcomeSend records on the record that the email could not be sent."
  type        = number
  default     = 10

  validation {
    condition     = var.outcome_max_attempts >= 1 && var.outcome_max_attempts <= 100 && floor(var.outcome_max_attempts) == var.outcome_max_attempts
    error_message = "outcome_max_attempts must be a whole number from 1 to 100."
  }
}

# Warnings, not errors: a deployment without credentials is valid but answers
# every CCAI Platform call with 401.
check "credentials_for_auth_method" {
  assert {
    condition = (
      var.auth_method == "basic" ? var.crm_basic_username != "" && nonsensitive(var.crm_basic_password != "") :
      var.auth_method == "oauth" ? length(var.oauth_clients) > 0 :
      nonsensitive(var.crm_api_keys != "")
    )
    error_message = "No credentials for auth_method \"${var.auth_method}\": set crm_api_keys (custom_header), crm_basic_username and crm_basic_password (basic) or oauth_clients (oauth), or every call is rejected."
  }
}

# A warning rather than a validation, so that a plan with placeholder keys
# still runs; the functions refuse such keys at start.
check "api_keys" {
  assert {
    condition = var.auth_method != "custom_header" || nonsensitive(
      alltrue([for k in split(",", var.crm_api_keys) : length(trimspace(k)) == 0 || length(trimspace(k)) >= 16]) &&
      (var.crm_api_keys == "" || anytrue([for k in split(",", var.crm_api_keys) : trimspace(k) != ""]))
    )
    error_message = "crm_api_keys must be comma-separated keys of at least 16 characters each: the functions refuse shorter ones at start."
  }
}

check "oauth_sign_in" {
  assert {
    # Authorizing CCAI Platform takes a signed-in CRM user.
    condition     = var.auth_method != "oauth" || nonsensitive(var.admin_password_hash != "") || var.google_client_id != ""
    error_message = "auth_method is \"oauth\" but nobody can sign in to authorize CCAI Platform: set admin_password_hash, or google_client_id and google_client_secret."
  }

  assert {
    condition     = (var.google_client_id != "") == nonsensitive(var.google_client_secret != "")
    error_message = "Google sign-in needs both google_client_id and google_client_secret; only one is set."
  }

  assert {
    condition     = var.google_client_id == "" || length(var.allowed_users) > 0
    error_message = "google_client_id is set but allowed_users is empty: no Google account may sign in."
  }
}

check "outcome_email_smtp" {
  assert {
    condition     = (var.smtp_username != "") == nonsensitive(var.smtp_password != "")
    error_message = "SMTP authentication needs both smtp_username and smtp_password; only one is set."
  }
}

variable "deployer_members" {
  description = "IAM members that run `terraform apply` (for example [\"user:ops@example.com\"] or [\"serviceAccount:deployer@my-project.iam.gserviceaccount.com\"] for Cloud Build): each gets roles/iam.serviceAccountUser (actAs) on the build account, every function's runtime account, the storage trigger's and the sweep scheduler's account, which deploying needs. Empty (default): the deploying identity has actAs already (a project owner or editor)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.deployer_members : can(regex("^(user|serviceAccount|group|principal|principalSet):.+", m))])
    error_message = "Each deployer_members entry is an IAM member such as \"user:someone@example.com\" or \"serviceAccount:name@project.iam.gserviceaccount.com\"."
  }
}
