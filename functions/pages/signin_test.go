package pages_test

import (
	"log/slog"

	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/signin"
)

func signinService(store *gcpfirestore.Store, hash string, log *slog.Logger) (*signin.Service, error) {
	return signin.New(signin.Config{SessionKey: []byte("0123456789abcdef0123456789abcdef"), Sessions: store.Sessions(),
		AdminUsername: "admin", AdminPasswordHash: hash, Log: log})
}
