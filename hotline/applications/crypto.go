package applications

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the size of the data key: AES-256.
const KeySize = 32

// sealVersion is the first byte of a sealed value: version 1 is
// AES-256-GCM, then the key's id (4 bytes), the nonce (12) and the
// ciphertext with its tag.
const sealVersion = 1

// ErrKey: a sealed value cannot be opened with this key (another key, or
// the value was altered).
var ErrKey = errors.New("applications: personal data cannot be opened with this data key")

// Keys seals personal data at rest (姓名, 证件号码, 联系方式) with AES-256-GCM
// under the server's data key, bound to the row it belongs to. It is safe
// for concurrent use.
type Keys struct {
	aead cipher.AEAD
	id   []byte // first 4 bytes of SHA-256 of the key
}

// NewKeys returns the sealer of a 32-byte key.
func NewKeys(key []byte) (*Keys, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("applications: the data key has %d bytes, want %d (AES-256)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("applications: data key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("applications: data key: %w", err)
	}
	sum := sha256.Sum256(key)
	return &Keys{aead: aead, id: sum[:4]}, nil
}

// ParseKey reads a key given in base64 (standard or URL alphabet, padded
// or not), as GOVHALL_DATA_KEY holds it.
func ParseKey(s string) (*Keys, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return NewKeys(b)
		}
	}
	return nil, fmt.Errorf("applications: the data key is not base64 (generate one with: head -c 32 /dev/urandom | base64)")
}

// LoadOrCreateKey reads the key kept in the file at path (base64, one
// line) or, when there is none, generates a random key and writes it there
// (mode 0600, its directory 0700 if created). created tells which.
func LoadOrCreateKey(path string) (k *Keys, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("applications: read data key: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, fmt.Errorf("applications: generate data key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("applications: data key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) { // another process wrote it first
		return LoadOrCreateKey(path)
	}
	if err != nil {
		return nil, false, fmt.Errorf("applications: write data key: %w", err)
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, false, fmt.Errorf("applications: write data key: %w", werr)
	}
	k, err = NewKeys(key)
	return k, true, err
}

// ID names the key (hex of the first bytes of its SHA-256), never the key.
func (k *Keys) ID() string { return hex.EncodeToString(k.id) }

// Seal encrypts plain for the row named by aad (which must be given again
// to Open).
func (k *Keys) Seal(plain []byte, aad string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(fmt.Sprintf("applications: nonce: %v", err))
	}
	out := append([]byte{sealVersion}, k.id...)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plain, []byte(aad))
}

// Open decrypts a value sealed for aad. It fails with ErrKey for another
// key or an altered value.
func (k *Keys) Open(sealed []byte, aad string) ([]byte, error) {
	head := 1 + len(k.id) + k.aead.NonceSize()
	if len(sealed) < head+k.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w: not a sealed value", ErrKey)
	}
	if id := sealed[1 : 1+len(k.id)]; !bytes.Equal(id, k.id) {
		return nil, fmt.Errorf("%w: sealed with key %x, the server has key %s (GOVHALL_DATA_KEY)", ErrKey, id, k.ID())
	}
	plain, err := k.aead.Open(nil, sealed[1+len(k.id):head], sealed[head:], []byte(aad))
	if err != nil {
		return nil, fmt.Errorf("%w: the value was altered or belongs to another row", ErrKey)
	}
	return plain, nil
}
