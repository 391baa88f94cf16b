// Package crmfunctions registers every Cloud Function entry point of the
// CRM; FUNCTION_TARGET picks the one an instance serves. Each entry point
// builds its configuration, clients and handler on first use, so a cold
// start builds only its own.
package crmfunctions

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/ory/fosite"

	"example.com/crm/functions/comment"
	"example.com/crm/functions/createaccount"
	"example.com/crm/functions/createrecord"
	"example.com/crm/functions/findaccount"
	"example.com/crm/functions/findaccountbyid"
	"example.com/crm/functions/findrecord"
	"example.com/crm/functions/inboundemail"
	"example.com/crm/functions/outcomesend"
	"example.com/crm/functions/outcomesettings"
	"example.com/crm/functions/pages"
	"example.com/crm/functions/pages/crmpage"
	"example.com/crm/functions/readapi"
	"example.com/crm/functions/storageobject"
	"example.com/crm/functions/sweep"
	"example.com/crm/functions/updaterecord"
	"example.com/crm/functions/uploadfile"
	"example.com/crm/shared/agentpop"
	"example.com/crm/shared/auth"
	"example.com/crm/shared/ccai"
	"example.com/crm/shared/config"
	"example.com/crm/shared/crm"
	"example.com/crm/shared/gcpfirestore"
	"example.com/crm/shared/gcppubsub"
	"example.com/crm/shared/gcpstorage"
	"example.com/crm/shared/gcptasks"
	"example.com/crm/shared/ingest"
	"example.com/crm/shared/logging"
	"example.com/crm/shared/oauthserver"
	"example.com/crm/shared/outcome"
	"example.com/crm/shared/portal"
	"example.com/crm/shared/signin"
)

func init() {
	functions.HTTP("FindAccountByQuery", lazy(func(d *deps) http.Handler { return findaccount.New(d.opts, d.store, d.cfg.PhoneRegion) }))
	functions.HTTP("FindAccountByID", lazy(func(d *deps) http.Handler { return findaccountbyid.New(d.opts, d.store) }))
	functions.HTTP("CreateAccount", lazy(func(d *deps) http.Handler { return createaccount.New(d.opts, d.store, d.cfg.PhoneRegion) }))
	functions.HTTP("FindRecordByQuery", lazy(func(d *deps) http.Handler { return findrecord.New(d.opts, d.store) }))
	functions.HTTP("CreateRecord", lazy(func(d *deps) http.Handler { return createrecord.New(d.opts, d.store, d.ingest()) }))
	functions.HTTP("UpdateRecord", lazy(func(d *deps) http.Handler { return updaterecord.New(d.opts, d.store, d.ingest()) }))
	functions.HTTP("Comment", lazy(func(d *deps) http.Handler { return comment.New(d.opts, d.store) }))
	functions.HTTP("ReadAPI", lazy(func(d *deps) http.Handler {
		return readapi.New(d.opts, readapi.Handler{Accounts: d.store, Records: d.store, Attachments: d.store, DownloadBase: d.cfg.AttachmentsURL})
	}))
	functions.HTTP("OAuth", lazyOAuth)
	functions.HTTP("UploadFile", lazy(func(d *deps) http.Handler {
		blobs, err := d.blobs()
		if err != nil || d.cfg.AttachmentsBucket == "" {
			return failing(d, errors.Join(err, errIf(d.cfg.AttachmentsBucket == "", "CRM_ATTACHMENTS_BUCKET is not set")))
		}
		return uploadfile.New(d.opts, uploadfile.Handler{Records: d.store, Attachments: d.store, Ingest: d.ingest(), Blobs: blobs,
			Bucket: d.cfg.AttachmentsBucket, BaseURL: d.cfg.AttachmentsURL, Log: d.log, TransferTimeout: d.cfg.TransferTimeout})
	}))
	functions.HTTP("InboundEmail", lazy(func(d *deps) http.Handler {
		blobs, err := d.blobs()
		if err != nil || d.cfg.AttachmentsBucket == "" {
			return failing(d, errors.Join(err, errIf(d.cfg.AttachmentsBucket == "", "CRM_ATTACHMENTS_BUCKET is not set")))
		}
		return inboundemail.New(d.opts, inboundemail.Handler{Ingest: d.ingest(), Blobs: blobs, Bucket: d.cfg.AttachmentsBucket,
			Senders: d.cfg.InboundSenders, PathSecret: d.cfg.InboundPathSecret, Log: d.log})
	}))
	functions.HTTP("OutcomeSend", lazy(func(d *deps) http.Handler {
		blobs, err := d.blobs()
		o := d.cfg.Outcome
		if err != nil || o.SMTPAddr == "" {
			return failing(d, errors.Join(err, errIf(o.SMTPAddr == "", "CRM_SMTP_ADDR is not set: outcome emails cannot be sent")))
		}
		return outcomesend.New(outcome.Sender{Store: d.store, Records: d.store, Attachments: d.store, Blobs: blobs,
			Mail: o.SMTP(), From: o.From, MaxAttempts: o.MaxAttempts, Log: d.log}, d.log)
	}))
	functions.HTTP("OutcomeSettings", lazy(func(d *deps) http.Handler { return outcomesettings.New(d.opts, d.store) }))
	functions.HTTP("SweepUnlinked", lazy(func(d *deps) http.Handler {
		return sweep.Handler{Store: d.store, After: d.cfg.UnlinkedAfter, Log: d.log}
	}))
	functions.HTTP("Pages", lazy(buildPages))
	functions.CloudEvent("StorageObject", storageObject)
}

// storageObject processes the objects CCAI Platform writes into external
// storage (the bucket's notifications pushed by Pub/Sub). A configuration
// problem returns an error, so the message is retried, and after the
// subscription's last attempt kept on its dead-letter topic for
// cmd/backfill -dead-letters.
func storageObject(ctx context.Context, e event.Event) error {
	h, err := storageHandler()
	if err != nil {
		return err
	}
	return h.HandleEvent(ctx, e)
}

var storageHandler = sync.OnceValues(func() (storageobject.Handler, error) {
	d, err := instance()
	if err != nil {
		return storageobject.Handler{}, err
	}
	blobs, err := d.blobs()
	if err != nil {
		return storageobject.Handler{}, err
	}
	return storageobject.Handler{Bucket: d.cfg.CCAIBucket,
		Objects: ingest.Objects{Ingest: *d.ingest(), Blobs: blobs, FolderPath: d.cfg.CCAIFolderPath}}, nil
})

func errIf(cond bool, msg string) error {
	if cond {
		return errors.New(msg)
	}
	return nil
}

// deps are what every handler of an instance shares.
type deps struct {
	blobs   func() (*gcpstorage.Store, error)
	publish func() (*gcppubsub.Publisher, error)
	tasks   func() (*gcptasks.Queue, error)
	cfg     config.Config
	store   *gcpfirestore.Store
	opts    ccai.Options
	log     *slog.Logger
	limiter *auth.Limiter
	oauth   fosite.OAuth2Provider // with the OAuth method
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
	d := &deps{cfg: cfg, store: store, log: log, limiter: auth.NewLimiter(),
		blobs: sync.OnceValues(func() (*gcpstorage.Store, error) { return gcpstorage.Open(context.Background()) }),
		tasks: sync.OnceValues(func() (*gcptasks.Queue, error) {
			o := cfg.Outcome
			return gcptasks.Open(context.Background(), o.Queue, o.SendURL, o.TaskServiceAccount, o.TasksEmulatorHost)
		}),
		publish: sync.OnceValues(func() (*gcppubsub.Publisher, error) {
			return gcppubsub.Open(context.Background(), cfg.Project, cfg.EventsTopic)
		}),
	}
	var bearer auth.BearerValidator
	if cfg.Auth.Method == auth.MethodOAuth {
		if d.oauth, err = oauthProvider(cfg, store); err != nil {
			log.Error("oauth", "error", err.Error())
			return &deps{log: log}, err
		}
		bearer = oauthserver.NewValidator(d.oauth, cfg.SigningKey)
	}
	checker, err := auth.New(cfg.Auth, bearer, d.limiter)
	if err != nil {
		log.Error("authentication", "error", err.Error())
		return &deps{log: log}, err
	}
	d.opts = ccai.Options{Auth: checker, Timeout: cfg.RequestTimeout, Log: log}
	return d, nil
})

func oauthProvider(cfg config.Config, store *gcpfirestore.Store) (fosite.OAuth2Provider, error) {
	var clients []oauthserver.Client
	if cfg.OAuthClients != "" {
		var err error
		if clients, err = oauthserver.ParseClients(cfg.OAuthClients); err != nil {
			return nil, err
		}
	}
	registered := oauthserver.NewClients(clients)
	return oauthserver.NewProvider(oauthserver.Config{SigningKey: cfg.SigningKey, AccessTokenTTL: cfg.AccessTokenTTL, CodeTTL: cfg.CodeTTL},
		store.OAuth(registered.Get, oauthserver.NewSession))
}

// lazyOAuth serves the authorization server and the sign-in pages.
var lazyOAuth = lazy(func(d *deps) http.Handler {
	provider := d.oauth
	if provider == nil { // another method for the Generic API: sign-in pages still work
		var err error
		if provider, err = oauthProvider(d.cfg, d.store); err != nil {
			return failing(d, err)
		}
	}
	// Without sign-in, /token and /revoke still serve CCAI Platform; only
	// the pages that need a user answer 503.
	var si *signin.Service
	err := errors.New("CRM_SESSION_KEY is not set: the sign-in pages need it")
	if len(d.cfg.SessionKey) > 0 {
		si, err = signin.New(signin.Config{
			SessionKey: d.cfg.SessionKey, Sessions: d.store.Sessions(), AdminUsername: d.cfg.AdminUsername, AdminPasswordHash: d.cfg.AdminPasswordHash,
			Google:       signin.GoogleConfig{ClientID: d.cfg.GoogleClientID, ClientSecret: d.cfg.GoogleClientSecret},
			AllowedUsers: d.cfg.AllowedUsers, Limiter: d.limiter, Log: d.log,
		})
	}
	if err != nil {
		d.log.Error("sign-in configuration", "error", err.Error())
	}
	return (&oauthserver.Server{Provider: provider, Signin: si, SigninErr: err, Limiter: d.limiter, Log: d.log, FrameAncestors: d.cfg.FrameAncestors}).Handler()
})

// buildPages serves the agents' pages with their own sign-in (cookies
// are per host: each function has its own).
func buildPages(d *deps) http.Handler {
	if len(d.cfg.SessionKey) == 0 {
		return failing(d, errors.New("CRM_SESSION_KEY is not set: the pages need it"))
	}
	si, err := signin.New(signin.Config{
		SessionKey: d.cfg.SessionKey, Sessions: d.store.Sessions(), AdminUsername: d.cfg.AdminUsername, AdminPasswordHash: d.cfg.AdminPasswordHash,
		Google:       signin.GoogleConfig{ClientID: d.cfg.GoogleClientID, ClientSecret: d.cfg.GoogleClientSecret},
		AllowedUsers: d.cfg.AllowedUsers, AdminUsers: d.cfg.AdminUsers, Limiter: d.limiter, Log: d.log,
	})
	if err != nil {
		return failing(d, err)
	}
	admin, err := pagesAdmin(d)
	if err != nil {
		return failing(d, err)
	}
	cfg := pages.Config{Admin: admin, Accounts: d.store, Records: d.store, Attachments: d.store, Sessions: d.store, Signin: si,
		FrameAncestors: d.cfg.FrameAncestors, PhoneRegion: d.cfg.PhoneRegion, Client: auth.ClientAddr, Log: d.log,
		Pop: &agentpop.Service{Accounts: d.store, Records: d.store, Pops: d.store, Journal: d.store.Journal(), Region: d.cfg.PhoneRegion}}
	if blobs, err := d.blobs(); err == nil {
		cfg.Blobs = blobs
	} else {
		d.log.Error("pages: cloud storage (downloads answer 503)", "error", err.Error())
	}
	srv := pages.New(cfg)
	crm := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// This CRM's pages are where this request came: a record pop
		// opens only a URL under it.
		base := requestOrigin(r)
		checker, err := agentpop.NewChecker(base)
		if err != nil {
			http.Error(w, "bad host", http.StatusBadRequest)
			return
		}
		events := *cfg.Pop // the pages' own service, told where this CRM is
		events.CRM, events.RecordURL = checker, func(id string) string { return base + "/records/" + url.PathEscape(id) }
		crmpage.Handler{Base: "/crm", TenantOrigin: d.cfg.TenantOrigin, SigninPath: pages.SigninPath, Signin: si, Events: &events, Log: d.log}.ServeHTTP(w, r)
	})
	srv.Handle("/crm", crm)
	srv.Handle("/crm/", crm)
	return srv
}

// pagesAdmin is what the admin pages show of the deployment: its portal
// settings file's input (every function's URL, the Generic API's
// credentials, external storage, the inbound outcome email address),
// the OAuth clients and the users.
func pagesAdmin(d *deps) (*pages.Admin, error) {
	c := d.cfg
	var clients []oauthserver.Client
	if c.OAuthClients != "" {
		var err error
		if clients, err = oauthserver.ParseClients(c.OAuthClients); err != nil {
			return nil, err
		}
	}
	var storage *portal.ExternalStorage
	if c.CCAIBucket != "" {
		storage = portal.GCSStorage(c.CCAIBucket, c.CCAIFolderPath, os.Getenv("STORAGE_EMULATOR_HOST"))
	}
	a := &pages.Admin{Outcome: d.store, OAuthClients: clients, AllowedUsers: c.AllowedUsers, AdminUsers: c.AdminUsers,
		Portal: portal.Input{URLs: c.FunctionURLs, Auth: c.Auth, ExternalStorage: storage,
			InboundAddress: c.InboundAddress, InboundPathSecret: c.InboundPathSecret}}
	if c.AdminPasswordHash != "" {
		a.LocalAdmin = c.AdminUsername
	}
	return a, nil
}

// requestOrigin is the origin a request was made to: https behind
// Google's front end (X-Forwarded-Proto), else as received.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// failing logs a configuration error and answers every request with it.
func failing(d *deps, err error) http.Handler {
	d.log.Error("configuration", "error", err.Error())
	return notConfigured(err)
}

// notConfigured answers every request 400 (CCAI Platform retries it until
// the configuration is fixed).
func notConfigured(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ccai.WriteError(w, &crm.Error{Code: crm.Unavailable, Message: "the CRM is not configured yet; see its logs", Err: err})
	})
}

// ingest returns the one service that applies session metadata, links
// files to records and publishes their events.
func (d *deps) ingest() *ingest.Service {
	s := &ingest.Service{Store: d.store, Events: d.events(), PhoneRegion: d.cfg.PhoneRegion, Log: d.log}
	if o := d.outcomes(); o != nil {
		s.Outcomes = o
	}
	return s
}

// outcomes returns the scheduler of outcome emails, or nil when no queue
// is set (no outcome emails) or it cannot be opened (logged: sessions
// then get none, which the logs say).
func (d *deps) outcomes() *outcome.Scheduler {
	o := d.cfg.Outcome
	if o.Queue == "" {
		return nil
	}
	q, err := d.tasks()
	if err != nil {
		d.log.Error("cloud tasks", "error", err.Error())
		return nil
	}
	return &outcome.Scheduler{Queue: q, Settings: d.store, Delay: o.Delay}
}

// events returns the events publisher, or nil when no topic is set.
func (d *deps) events() crm.Events {
	if d.cfg.EventsTopic == "" {
		return nil
	}
	p, err := d.publish()
	if err != nil {
		d.log.Error("pubsub", "error", err.Error())
		return nil
	}
	return p
}

// lazy builds the handler on the first request; until the configuration
// is fixed every request answers 400, which CCAI Platform retries.
func lazy(build func(*deps) http.Handler) func(http.ResponseWriter, *http.Request) {
	handler := sync.OnceValue(func() http.Handler {
		d, err := instance()
		if err != nil {
			return notConfigured(err) // instance logged it
		}
		return build(d)
	})
	return func(w http.ResponseWriter, r *http.Request) {
		handler().ServeHTTP(w, r)
	}
}
