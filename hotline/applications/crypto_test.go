package applications_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/govhall/govhall/hotline/applications"
)

// TestKeys: AES-256-GCM sealing bound to the row; another key, another row
// or an altered byte are refused; a key file is created once (0600) and
// read back.
func TestKeys(t *testing.T) {
	k, err := applications.ParseKey(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef")))
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"name":"张三丰","id_number":"370323199001011234"}`)
	sealed := k.Seal(plain, "application/1/applicant")
	if bytes.Contains(sealed, []byte("张三丰")) || bytes.Equal(sealed, k.Seal(plain, "application/1/applicant")) {
		t.Fatal("sealing leaks the plaintext or is not randomised")
	}
	if got, err := k.Open(sealed, "application/1/applicant"); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := k.Open(sealed, "application/2/applicant"); !errors.Is(err, applications.ErrKey) {
		t.Errorf("opened for another row: %v", err)
	}
	altered := bytes.Clone(sealed)
	altered[len(altered)-1] ^= 1
	if _, err := k.Open(altered, "application/1/applicant"); !errors.Is(err, applications.ErrKey) {
		t.Errorf("opened an altered value: %v", err)
	}
	other, _ := applications.NewKeys(bytes.Repeat([]byte{7}, 32))
	if _, err := other.Open(sealed, "application/1/applicant"); !errors.Is(err, applications.ErrKey) || other.ID() == k.ID() {
		t.Errorf("opened with another key: %v", err)
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := applications.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}

	path := filepath.Join(t.TempDir(), "keys", "data.key")
	k1, created, err := applications.LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", st.Mode(), err)
	}
	k2, created, err := applications.LoadOrCreateKey(path)
	if err != nil || created || k2.ID() != k1.ID() {
		t.Fatalf("read back: %v %v, id %s vs %s", created, err, k2.ID(), k1.ID())
	}
	if got, err := k2.Open(k1.Seal(plain, "x"), "x"); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("the key read back does not open what the created one sealed: %v", err)
	}
}

// TestNumbers: the check digits of 居民身份证 (GB 11643) and 统一社会信用代码
// (GB 32100).
func TestNumbers(t *testing.T) {
	for _, ok := range []string{"11010519491231002X", "370323199001011234", "370323198512240026"} {
		if err := applications.CheckResidentID(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"110105194912310021", "11010519491331002X", "01010519491231002X", "1101051949123100", "11010520991231002X"} {
		if err := applications.CheckResidentID(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	for _, ok := range []string{"91350100M000100Y43", "91110108551385082Q"} {
		if err := applications.CheckCreditCode(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"91350100M000100Y44", "91350100M000100YO3", "9135A100M000100Y43", "91350100M000100Y4"} {
		if err := applications.CheckCreditCode(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
