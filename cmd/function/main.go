// Command function serves the CRM's Cloud Functions locally, exactly as
// the Go buildpack's generated main does in the cloud: FUNCTION_TARGET
// names the one function to serve on every path; unset, all are served at
// /<EntryPoint>.
//
//	FUNCTION_TARGET=CreateAccount PORT=8081 go run ./cmd/function
package main

import (
	"log"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	_ "example.com/crm"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	if err := funcframework.StartHostPort(host, port); err != nil {
		log.Fatalf("funcframework: %v", err)
	}
}
