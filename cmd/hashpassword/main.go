// Command hashpassword prints the bcrypt hash of a password or client
// secret read from standard input, for CRM_ADMIN_PASSWORD_HASH and the
// secret_hash of an OAuth client:
//
//	printf '%s' 'the secret' | go run ./cmd/hashpassword
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	b, err := io.ReadAll(io.LimitReader(os.Stdin, 1024))
	if err != nil {
		log.Fatal(err)
	}
	secret := strings.TrimRight(string(b), "\r\n")
	if len(secret) < 12 {
		log.Fatal("use at least 12 characters")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), 12)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(hash))
}
