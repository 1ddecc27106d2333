package printjob_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// zbarimg decodes the QR codes in img with Debian's zbarimg (zbar-tools)
// and returns their data, one string per symbol. A missing zbarimg fails
// the test: it never turns into a skip.
func zbarimg(t testing.TB, img image.Image) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("encode PNG for zbarimg: %v", err)
	}
	return zbarimgPNG(t, buf.Bytes())
}

func zbarimgPNG(t testing.TB, pngData []byte) []string {
	t.Helper()
	out, err := runZbarimg(pngData, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func runZbarimg(pngData []byte, dir string) ([]string, error) {
	path, err := exec.LookPath("zbarimg")
	if err != nil {
		return nil, fmt.Errorf("zbarimg is required to check QR codes (Debian package zbar-tools; `make test` installs it): %w", err)
	}
	file := filepath.Join(dir, "qr.png")
	if err := os.WriteFile(file, pngData, 0o644); err != nil {
		return nil, err
	}
	var stderr bytes.Buffer
	cmd := exec.Command(path, "-q", "--raw", "-Sdisable", "-Sqrcode.enable", file)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 4 {
		return nil, nil // ran fine, found no symbol
	}
	if err != nil {
		return nil, fmt.Errorf("zbarimg %s: %v: %s", file, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"), nil
}

// TestMissingZbarimgFails runs one zbarimg test again in a child process
// whose PATH holds no zbarimg: it must fail, and must not skip.
func TestMissingZbarimgFails(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestPNGDecodes$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "PATH="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child test without zbarimg: err = %v, want a failing exit; output:\n%s", err, out)
	}
	for _, want := range []string{"--- FAIL: TestPNGDecodes", "zbar-tools"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte("SKIP")) {
		t.Errorf("child skipped instead of failing:\n%s", out)
	}
}
