// Package crmfunctions registers every Cloud Function entry point of the
// CRM; FUNCTION_TARGET picks the one an instance serves. Each entry point
// builds its configuration, clients and handler on first use, so a cold
// start builds only its own.
package crmfunctions

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"example.com/crm/functions/comment"
	"example.com/crm/functions/createaccount"
	"example.com/crm/functions/createrecord"
	"example.com/crm/functions/findaccount"
	"example.com/crm/functions/findaccountbyid"
	"example.com/crm/functions/findrecord"
	"example.com/crm/functions/readapi"
	"example.com/crm/functions/updaterecord"
	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/config"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/logging"
)

func init() {
	functions.HTTP("FindAccountByQuery", lazy(func(d *deps) http.Handler { return findaccount.New(d.opts, d.store, d.cfg.PhoneRegion) }))
	functions.HTTP("FindAccountByID", lazy(func(d *deps) http.Handler { return findaccountbyid.New(d.opts, d.store) }))
	functions.HTTP("CreateAccount", lazy(func(d *deps) http.Handler { return createaccount.New(d.opts, d.store, d.cfg.PhoneRegion) }))
	functions.HTTP("FindRecordByQuery", lazy(func(d *deps) http.Handler { return findrecord.New(d.opts, d.store) }))
	functions.HTTP("CreateRecord", lazy(func(d *deps) http.Handler { return createrecord.New(d.opts, d.store) }))
	functions.HTTP("UpdateRecord", lazy(func(d *deps) http.Handler { return updaterecord.New(d.opts, d.store) }))
	functions.HTTP("Comment", lazy(func(d *deps) http.Handler { return comment.New(d.opts, d.store) }))
	functions.HTTP("ReadAPI", lazy(func(d *deps) http.Handler { return readapi.New(d.opts, d.store, d.store) }))
}

// deps are what every handler of an instance shares.
type deps struct {
	cfg   config.Config
	store *gcpfirestore.Store
	opts  ccai.Options
	log   *slog.Logger
}

var instance = sync.OnceValues(func() (*deps, error) {
	cfg, err := config.Load(os.LookupEnv)
	log := logging.New(os.Stderr, cfg.Project)
	if err != nil {
		log.Error("configuration", "error", err.Error())
		return &deps{log: log}, err
	}
	store, err := gcpfirestore.Open(context.Background(), cfg.Project, cfg.Database)
	if err != nil {
		log.Error("firestore", "error", err.Error())
		return &deps{log: log}, err
	}
	checker, err := auth.New(cfg.Auth)
	if err != nil {
		return &deps{log: log}, err
	}
	return &deps{cfg: cfg, store: store, log: log, opts: ccai.Options{Auth: checker, Timeout: cfg.RequestTimeout, Log: log}}, nil
})

// lazy builds the handler on the first request; until the configuration
// is fixed every request answers 400, which CCAI Platform retries.
func lazy(build func(*deps) http.Handler) func(http.ResponseWriter, *http.Request) {
	handler := sync.OnceValues(func() (http.Handler, error) {
		d, err := instance()
		if err != nil {
			return nil, err
		}
		return build(d), nil
	})
	return func(w http.ResponseWriter, r *http.Request) {
		h, err := handler()
		if err != nil {
			ccai.WriteError(w, &crm.Error{Code: crm.Unavailable, Message: "the CRM is not configured yet; see its logs", Err: err})
			return
		}
		h.ServeHTTP(w, r)
	}
}
