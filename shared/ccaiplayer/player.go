// Package ccaiplayer plays CCAI Platform's side of the Generic API: it
// reads a portal settings file and makes the HTTP requests the platform
// would make for a session, with its variables, functions, phone number
// format, request data formats, authentication and response data
// locations. The end-to-end tests and the load script use it; so can any
// tool that wants to call a deployment as the platform would.
package ccaiplayer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"example.com/crm/shared/portal"
)

// Player makes the calls of one CCAI Platform tenant.
type Player struct {
	Settings portal.Settings
	Client   *http.Client
	// NumbersAsJSON sends numeric-looking values as JSON numbers, as the
	// platform may.
	NumbersAsJSON bool
	// SendEmpty sends plain parameters whose variables are empty as ""
	// instead of leaving them out (the platform does either).
	SendEmpty bool
	// Token is the OAuth token (see Connect), with the OAuth method.
	Token *Token
	// Retries400 is how many times a call answered 400 is made again, as
	// the platform does (it retries 400s for a week, backing off); the
	// waits here are short: 0.25 s, doubling.
	Retries400 int
}

// New returns a Player for s.
func New(s portal.Settings) *Player {
	return &Player{Settings: s, Client: http.DefaultClient, Retries400: 4}
}

// Endpoint returns the named endpoint ("create_account", ...) or nil.
func (p *Player) Endpoint(name string) *portal.Endpoint {
	e := p.Settings.Endpoints
	return map[string]*portal.Endpoint{
		"find_account_by_query": e.FindAccountByQuery, "find_account_by_id": e.FindAccountByID,
		"create_account": e.CreateAccount, "find_record_by_query": e.FindRecordByQuery,
		"create_record": e.CreateRecord, "update_record": e.UpdateRecord,
		"comment": e.Comment, "upload_file": e.UploadFile,
	}[name]
}

// isSearch reports whether the platform sends the search form of phone
// numbers to the endpoint.
func isSearch(name string) bool { return strings.HasPrefix(name, "find_") }

// sessionVars returns vars with PHONE_NUMBER and OUTBOUND_PHONE_NUMBER
// (given in E.164) formatted as the settings say.
func (p *Player) sessionVars(name string, vars Vars) Vars {
	out := Vars{}
	for k, v := range vars {
		out[k] = v
	}
	for _, k := range []string{"PHONE_NUMBER", "OUTBOUND_PHONE_NUMBER"} {
		if v := out[k]; v != "" {
			out[k] = FormatPhone(v, p.Settings.PhoneNumberFormat, isSearch(name))
		}
	}
	return out
}

// NewRequest builds the HTTP request for endpoint name with vars.
func (p *Player) NewRequest(ctx context.Context, name string, vars Vars) (*http.Request, error) {
	ep := p.Endpoint(name)
	if ep == nil {
		return nil, fmt.Errorf("endpoint %s is not configured", name)
	}
	vars = p.sessionVars(name, vars)
	// Variables are path-escaped in the path and query-escaped in a query
	// string that the URL itself holds.
	path, query, hasQuery := strings.Cut(ep.URL, "?")
	rawURL, _ := expand(path, vars, url.PathEscape)
	if hasQuery {
		q, _ := expand(query, vars, url.QueryEscape)
		rawURL += "?" + q
	}
	type kv struct {
		key   string
		value string
	}
	var params []kv
	for _, prm := range ep.Parameters {
		v, isFn, ok := Evaluate(prm.Value, vars)
		if !ok || (!isFn && v == "" && !p.SendEmpty) {
			continue
		}
		params = append(params, kv{prm.Key, v})
	}
	var body io.Reader
	if ep.Method == http.MethodGet {
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		for _, prm := range params {
			q.Set(prm.key, prm.value)
		}
		u.RawQuery = q.Encode()
		rawURL = u.String()
	} else {
		obj := map[string]any{}
		for _, prm := range params {
			obj[prm.key] = p.jsonValue(prm.value)
		}
		var doc any = obj
		if ep.RequestDataFormat == "container" {
			if ep.ContainerType == "array" {
				doc = map[string]any{ep.ContainerName: []any{obj}}
			} else {
				doc = map[string]any{ep.ContainerName: obj}
			}
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, ep.Method, rawURL, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	p.authenticate(req)
	return req, nil
}

var number = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]+)?$`)

func (p *Player) jsonValue(v string) any {
	if p.NumbersAsJSON && number.MatchString(v) {
		return json.Number(v)
	}
	return v
}

func (p *Player) authenticate(req *http.Request) {
	a := p.Settings.Auth
	switch a.Method {
	case "basic":
		if a.Basic != nil {
			req.SetBasicAuth(a.Basic.Username, a.Basic.Password)
		}
	case "custom_header":
		for _, h := range a.CustomHeader {
			req.Header.Set(h.Key, h.Value)
		}
	case "oauth":
		if p.Token != nil {
			req.Header.Set("Authorization", "Bearer "+p.Token.Access)
		}
	}
}

// Result is an endpoint's answer.
type Result struct {
	Status int
	Body   []byte
	// Object is the object at the response data location (nil if none).
	Object map[string]any
	// ID is Object's id as a string ("" if none).
	ID string
}

// Found reports whether a find endpoint found something: the platform
// reads 404, an empty array, null and an empty object as "not found".
func (r Result) Found() bool { return r.Status/100 == 2 && len(r.Object) > 0 && r.ID != "" }

// Call makes the request of endpoint name and reads the answer. With
// OAuth, an expired access token is refreshed first, and an answer 400 is
// retried, as the platform does.
func (p *Player) Call(ctx context.Context, name string, vars Vars) (Result, error) {
	res, err := p.call(ctx, name, vars)
	wait := 250 * time.Millisecond
	for range p.Retries400 {
		if err != nil || res.Status != http.StatusBadRequest {
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
		res, err = p.call(ctx, name, vars)
	}
	return res, err
}

func (p *Player) call(ctx context.Context, name string, vars Vars) (Result, error) {
	if p.Token != nil && p.Token.Refresh != "" && time.Now().After(p.Token.Expiry) {
		if err := p.RefreshToken(ctx); err != nil {
			return Result{}, fmt.Errorf("refresh: %w", err)
		}
	}
	req, err := p.NewRequest(ctx, name, vars)
	if err != nil {
		return Result{}, err
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return Result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Result{}, err
	}
	res := Result{Status: resp.StatusCode, Body: b}
	if resp.StatusCode/100 != 2 {
		return res, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // ids beyond 2^53 keep every digit
	if err := dec.Decode(&doc); err != nil {
		return res, fmt.Errorf("%s answered %d with a body that is not JSON: %w", name, resp.StatusCode, err)
	}
	res.Object, res.ID = Locate(doc, p.Endpoint(name).ResponseDataLocation)
	return res, nil
}

// Locate follows a response data location (a dot path, numeric parts
// indexing arrays, "" the whole response) and returns the object there,
// the first element where it is an array, and its id as a string.
func Locate(doc any, location string) (map[string]any, string) {
	cur := doc
	if location != "" {
		for _, part := range strings.Split(location, ".") {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[part]
			case []any:
				i, err := strconv.Atoi(part)
				if err != nil || i < 0 || i >= len(c) {
					return nil, ""
				}
				cur = c[i]
			default:
				return nil, ""
			}
		}
	}
	if arr, ok := cur.([]any); ok {
		if len(arr) == 0 {
			return nil, ""
		}
		cur = arr[0]
	}
	obj, _ := cur.(map[string]any)
	switch id := obj["id"].(type) {
	case string:
		return obj, id
	case json.Number:
		return obj, id.String()
	case float64:
		return obj, strconv.FormatFloat(id, 'f', -1, 64)
	}
	return obj, ""
}

// FindOrCreateAccount runs the platform's find-or-create account flow and
// returns {ACCOUNT_ID}: find by id (when ACCOUNT_ID is known), else find
// by query, else create.
func (p *Player) FindOrCreateAccount(ctx context.Context, vars Vars) (string, error) {
	if vars["ACCOUNT_ID"] != "" && p.Endpoint("find_account_by_id") != nil {
		res, err := p.Call(ctx, "find_account_by_id", vars)
		if err != nil {
			return "", err
		}
		if res.Found() {
			return res.ID, nil
		}
		if res.Status != http.StatusNotFound && res.Status/100 != 2 {
			return "", fmt.Errorf("find account by id: %d %s", res.Status, res.Body)
		}
	}
	if p.Endpoint("find_account_by_query") != nil {
		res, err := p.Call(ctx, "find_account_by_query", vars)
		if err != nil {
			return "", err
		}
		if res.Found() {
			return res.ID, nil
		}
		if res.Status != http.StatusNotFound && res.Status/100 != 2 {
			return "", fmt.Errorf("find account: %d %s", res.Status, res.Body)
		}
	}
	return p.create(ctx, "create_account", vars)
}

// FindOrCreateRecord runs the find-or-create record flow (vars must hold
// ACCOUNT_ID) and returns {RECORD_ID}.
func (p *Player) FindOrCreateRecord(ctx context.Context, vars Vars) (string, error) {
	if p.Settings.ReuseExistingRecords && p.Endpoint("find_record_by_query") != nil {
		res, err := p.Call(ctx, "find_record_by_query", vars)
		if err != nil {
			return "", err
		}
		if res.Found() {
			return res.ID, nil
		}
		if res.Status != http.StatusNotFound && res.Status/100 != 2 {
			return "", fmt.Errorf("find record: %d %s", res.Status, res.Body)
		}
	}
	return p.create(ctx, "create_record", vars)
}

func (p *Player) create(ctx context.Context, name string, vars Vars) (string, error) {
	res, err := p.Call(ctx, name, vars)
	if err != nil {
		return "", err
	}
	if res.Status/100 != 2 || res.ID == "" {
		return "", fmt.Errorf("%s: %d %s", name, res.Status, res.Body)
	}
	return res.ID, nil
}

// Get fetches a crm_api URL ("account_url" or "record_url" with its id)
// with the API's authentication and decodes the JSON answer into v.
func (p *Player) Get(ctx context.Context, rawURL string, v any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, err
	}
	p.authenticate(req)
	resp, err := p.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, json.NewDecoder(resp.Body).Decode(v)
}

// AccountURL is the read API URL of an account.
func (p *Player) AccountURL(id string) string {
	return strings.ReplaceAll(p.Settings.CRMAPI.AccountURL, "{ACCOUNT_ID}", url.PathEscape(id))
}

// RecordURL is the read API URL of a record.
func (p *Player) RecordURL(id string) string {
	return strings.ReplaceAll(p.Settings.CRMAPI.RecordURL, "{RECORD_ID}", url.PathEscape(id))
}
