// Package gcpstorage keeps file bytes in Cloud Storage (crm.Blobs). It is
// the only package that imports the Cloud Storage SDK. With
// STORAGE_EMULATOR_HOST set the SDK talks to the emulator.
package gcpstorage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"example.com/crm/shared/crm"
)

// Store implements crm.Blobs.
type Store struct {
	client *storage.Client
}

var _ crm.Blobs = (*Store)(nil)

// Open connects to Cloud Storage (or the emulator).
func Open(ctx context.Context) (*Store, error) {
	c, err := storage.NewClient(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage client: %w", err)
	}
	return &Store{client: c}, nil
}

// Close closes the client.
func (s *Store) Close() error { return s.client.Close() }

// chunk is the upload buffer: what one upload holds in memory.
const chunk = 1 << 20

func blobError(op string, err error) error {
	if err == nil {
		return nil
	}
	var ce *crm.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, storage.ErrObjectNotExist) || errors.Is(err, storage.ErrBucketNotExist) {
		return &crm.Error{Code: crm.NotFound, Message: "file not found", Err: fmt.Errorf("%s: %w", op, err)}
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) && ge.Code == 404 {
		return &crm.Error{Code: crm.NotFound, Message: "file not found", Err: fmt.Errorf("%s: %w", op, err)}
	}
	return &crm.Error{Code: crm.Unavailable, Message: "file storage is unavailable; try again", Err: fmt.Errorf("%s: %w", op, err)}
}

// limited fails once more than n bytes were read.
type limited struct {
	r io.Reader
	n int64
}

var errTooLarge = crm.Errorf(crm.TooLarge, "the file is too large")

func (l *limited) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}

// Upload implements crm.Blobs.
func (s *Store) Upload(ctx context.Context, bucket string, r io.Reader, contentType string, limit int64) (crm.Blob, error) {
	name := "tmp/" + randomName()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := s.client.Bucket(bucket).Object(name).NewWriter(ctx)
	w.ChunkSize = chunk
	w.ContentType = contentType
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), &limited{r: r, n: limit})
	if err != nil {
		cancel() // abandons the upload
		_ = w.Close()
		return crm.Blob{}, blobError("upload", err)
	}
	if err := w.Close(); err != nil {
		return crm.Blob{}, blobError("upload", err)
	}
	a := w.Attrs()
	return crm.Blob{Bucket: bucket, Name: name, Size: n, ContentType: contentType, SHA256: hex.EncodeToString(h.Sum(nil)), MD5: base64.StdEncoding.EncodeToString(a.MD5)}, nil
}

// Keep implements crm.Blobs.
func (s *Store) Keep(ctx context.Context, tmp crm.Blob, name string) (crm.Blob, error) {
	b := s.client.Bucket(tmp.Bucket)
	dst := b.Object(name).If(storage.Conditions{DoesNotExist: true})
	c := dst.CopierFrom(b.Object(tmp.Name))
	c.ContentType = tmp.ContentType
	_, err := c.Run(ctx)
	var ge *googleapi.Error
	if err != nil && !(errors.As(err, &ge) && ge.Code == 412) { // 412: already there, same name means same bytes
		return crm.Blob{}, blobError("keep "+name, err)
	}
	if err := b.Object(tmp.Name).Delete(ctx); err != nil && !errors.Is(err, storage.ErrObjectNotExist) {
		return crm.Blob{}, blobError("delete "+tmp.Name, err)
	}
	kept := tmp
	kept.Name = name
	return kept, nil
}

// Stat implements crm.Blobs.
func (s *Store) Stat(ctx context.Context, bucket, name string) (crm.Blob, error) {
	a, err := s.client.Bucket(bucket).Object(name).Attrs(ctx)
	if err != nil {
		return crm.Blob{}, blobError("stat "+name, err)
	}
	return crm.Blob{Bucket: bucket, Name: name, Size: a.Size, ContentType: a.ContentType, MD5: base64.StdEncoding.EncodeToString(a.MD5)}, nil
}

// Hash implements crm.Blobs.
func (s *Store) Hash(ctx context.Context, bucket, name string) (string, error) {
	r, err := s.client.Bucket(bucket).Object(name).NewReader(ctx)
	if err != nil {
		return "", blobError("read "+name, err)
	}
	defer r.Close()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", blobError("read "+name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Read implements crm.Blobs.
func (s *Store) Read(ctx context.Context, bucket, name string, offset, length int64) (io.ReadCloser, error) {
	r, err := s.client.Bucket(bucket).Object(name).NewRangeReader(ctx, offset, length)
	if err != nil {
		return nil, blobError("read "+name, err)
	}
	return r, nil
}

// Discard implements crm.Blobs.
func (s *Store) Discard(ctx context.Context, tmp crm.Blob) error {
	if !strings.HasPrefix(tmp.Name, "tmp/") {
		return fmt.Errorf("discard %s: not a temporary object", tmp.Name)
	}
	err := s.client.Bucket(tmp.Bucket).Object(tmp.Name).Delete(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil
	}
	return blobError("discard "+tmp.Name, err)
}

func randomName() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}
