// Package crm holds the domain of the CRM that CCAI Platform talks to:
// accounts, records, comments, the error type and the store interfaces.
// It imports no cloud SDK; adapters such as shared/gcpfirestore implement
// its interfaces.
package crm
