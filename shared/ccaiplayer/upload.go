package ccaiplayer

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// Upload sends a file through the upload file endpoint as the platform
// does: in base64 in the parameter holding {FILE_DATA} of a JSON body, or
// as that parameter's part of a multipart form (named filename, as
// external storage names files). It returns the answer and the
// attachment's download URL, built as the settings say (attachment id and
// builder URL, or the URL in the response).
func (p *Player) Upload(ctx context.Context, vars Vars, data []byte, filename string) (Result, string, error) {
	ep := p.Endpoint("upload_file")
	if ep == nil {
		return Result{}, "", fmt.Errorf("upload_file is not configured")
	}
	vars = p.sessionVars("upload_file", vars)
	path, query, hasQuery := strings.Cut(ep.URL, "?")
	rawURL, _ := expand(path, vars, url.PathEscape)
	if hasQuery {
		q, _ := expand(query, vars, url.QueryEscape)
		rawURL += "?" + q
	}
	var body bytes.Buffer
	contentType := "application/json"
	if ep.UploadType == "multipart" {
		mw := multipart.NewWriter(&body)
		for _, prm := range ep.Parameters {
			if strings.Contains(prm.Value, "{FILE_DATA}") {
				fw, err := mw.CreateFormFile(prm.Key, filename)
				if err != nil {
					return Result{}, "", err
				}
				fw.Write(data)
				continue
			}
			if v, isFn, ok := Evaluate(prm.Value, vars); ok && (isFn || v != "" || p.SendEmpty) {
				mw.WriteField(prm.Key, v)
			}
		}
		mw.Close()
		contentType = mw.FormDataContentType()
	} else {
		obj := map[string]any{}
		for _, prm := range ep.Parameters {
			if strings.Contains(prm.Value, "{FILE_DATA}") {
				obj[prm.Key] = base64.StdEncoding.EncodeToString(data)
				continue
			}
			if v, isFn, ok := Evaluate(prm.Value, vars); ok && (isFn || v != "" || p.SendEmpty) {
				obj[prm.Key] = p.jsonValue(v)
			}
		}
		var doc any = obj
		if ep.RequestDataFormat == "container" {
			if ep.ContainerType == "array" {
				doc = map[string]any{ep.ContainerName: []any{obj}}
			} else {
				doc = map[string]any{ep.ContainerName: obj}
			}
		}
		if err := json.NewEncoder(&body).Encode(doc); err != nil {
			return Result{}, "", err
		}
	}
	req, err := http.NewRequestWithContext(ctx, ep.Method, rawURL, &body)
	if err != nil {
		return Result{}, "", err
	}
	req.Header.Set("Content-Type", contentType)
	p.authenticate(req)
	resp, err := p.Client.Do(req)
	if err != nil {
		return Result{}, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Result{}, "", err
	}
	res := Result{Status: resp.StatusCode, Body: b}
	if resp.StatusCode/100 != 2 {
		return res, "", nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return res, "", fmt.Errorf("upload answered %d with a body that is not JSON: %w", resp.StatusCode, err)
	}
	if ep.AttachmentType == "url" {
		obj, _ := Locate(doc, "")
		u, _ := at(obj, ep.AttachmentURLLocation)
		return res, u, nil
	}
	obj, _ := Locate(doc, "")
	id, _ := at(obj, ep.AttachmentIDLocation)
	u := strings.ReplaceAll(ep.AttachmentBuilderURL, "{RECORD_ID}", url.PathEscape(vars["RECORD_ID"]))
	u = strings.ReplaceAll(u, "{ATTACHMENT_ID}", url.PathEscape(id))
	res.ID = id
	return res, u, nil
}

// at reads a dot path from the response root to a string or number.
func at(obj map[string]any, location string) (string, bool) {
	var cur any = obj
	for _, part := range strings.Split(location, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = m[part]
	}
	switch v := cur.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	}
	return "", false
}

// Download fetches a download URL with the API's authentication; rng is
// a Range header value or "".
func (p *Player) Download(ctx context.Context, rawURL, rng string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	p.authenticate(req)
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}
