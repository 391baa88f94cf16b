package oauthserver

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/ory/fosite"
)

// secretHasher compares client secrets with their bcrypt hashes, as
// fosite's own hasher does, and remembers the pairs that matched: a client
// that authenticated once on this instance is checked again with one
// SHA-256, not one bcrypt, so CCAI Platform's token calls stay fast even
// while someone floods the token endpoints with wrong secrets (each of
// which still costs a bcrypt: valid credentials are always checked).
// Only matches are remembered, so memory grows with the number of
// configured clients, never with what an attacker sends.
type secretHasher struct {
	bcrypt fosite.Hasher

	mu      sync.Mutex
	matched map[[sha256.Size]byte]bool
}

// maxMatched bounds the remembered matches (there is one per client and
// secret; a new instance starts empty anyway).
const maxMatched = 1000

func newSecretHasher(cfg *fosite.Config) *secretHasher {
	return &secretHasher{bcrypt: &fosite.BCrypt{Config: cfg}, matched: map[[sha256.Size]byte]bool{}}
}

func pairKey(hash, secret []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(hash)
	h.Write([]byte{0})
	h.Write(secret)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// Compare implements fosite.Hasher.
func (s *secretHasher) Compare(ctx context.Context, hash, secret []byte) error {
	k := pairKey(hash, secret)
	s.mu.Lock()
	known := s.matched[k]
	s.mu.Unlock()
	if known {
		return nil
	}
	if err := s.bcrypt.Compare(ctx, hash, secret); err != nil {
		return err
	}
	s.mu.Lock()
	if len(s.matched) >= maxMatched {
		clear(s.matched)
	}
	s.matched[k] = true
	s.mu.Unlock()
	return nil
}

// Hash implements fosite.Hasher.
func (s *secretHasher) Hash(ctx context.Context, data []byte) ([]byte, error) {
	return s.bcrypt.Hash(ctx, data)
}
