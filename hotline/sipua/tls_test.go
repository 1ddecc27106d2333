package sipua

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns their paths.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "govhall test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, key
}

func TestTLS(t *testing.T) {
	cert, key := selfSigned(t)
	reached := make(chan string, 1)
	s := startServer(t, Config{TLSAddr: "127.0.0.1:0", TLSCertFile: cert, TLSKeyFile: key}, func(ctx context.Context, c *Inbound) {
		reached <- c.Transport
		_ = c.Reject(486, "Busy Here")
	})
	conn, err := tls.Dial("tcp", s.TLSAddr(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	local := conn.LocalAddr().String()
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n"
	fmt.Fprintf(conn, "INVITE sip:96128@%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bKtls1\r\n"+
		"From: <sip:13800000000@127.0.0.1>;tag=t1\r\nTo: <sip:96128@%s>\r\nCall-ID: tls1\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:13800000000@%s;transport=tls>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		s.TLSAddr(), local, s.TLSAddr(), local, len(sdp), sdp)
	select {
	case tr := <-reached:
		if !strings.EqualFold(tr, "TLS") {
			t.Errorf("transport %q", tr)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the INVITE over TLS never reached the handler")
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got strings.Builder
	for !strings.Contains(got.String(), "486 Busy Here") {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no 486 over TLS: %v; got %q", err, got.String())
		}
		got.Write(buf[:n])
	}
	to := got.String()[strings.Index(got.String(), "To: "):]
	to = to[4:strings.Index(to, "\r\n")]
	fmt.Fprintf(conn, "ACK sip:96128@%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bKtls1\r\n"+
		"From: <sip:13800000000@127.0.0.1>;tag=t1\r\nTo: %s\r\nCall-ID: tls1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		s.TLSAddr(), local, to)
}

func TestTLSBadCertificate(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", TLSAddr: "127.0.0.1:0", TLSCertFile: "/nonexistent.pem", TLSKeyFile: "/nonexistent.key"}, fakeCreds{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(nil); err == nil || !strings.Contains(err.Error(), "TLS certificate") {
		t.Fatalf("start with a missing certificate: %v", err)
	}
}
