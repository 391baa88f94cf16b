// Package agentpop is the domain logic of the pages CCAI Platform sends
// agents to, without HTML: the ticket pop of the lookup URLs (Lookup),
// the per-queue "Open Custom URL" screen pop (Open: a record with a
// temporary account when the contact is not found, made once per pop),
// and the CRM page's adapter events (Events: parse the postMessage
// payloads, decide what to show, keep every event in a Journal).
package agentpop
