// Package ccai speaks the HTTP side of CCAI Platform's Generic API: it
// decodes requests in every form the platform sends them (query string,
// JSON body in property or container form, values as strings or numbers),
// writes JSON responses and maps crm error codes to the statuses the
// platform understands (400 means "retry", so only where a retry can help).
package ccai
