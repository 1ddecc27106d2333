package server_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakePrinter is an ESC/POS network printer on loopback: it answers
// DLE EOT n status requests (paper out when told) and records job bytes.
type fakePrinter struct {
	ln       net.Listener
	mu       sync.Mutex
	jobs     [][]byte
	paperOut bool
}

func newFakePrinter(t *testing.T) *fakePrinter {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &fakePrinter{ln: ln}
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *fakePrinter) serve() {
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(conn)
	}
}

func (p *fakePrinter) handle(conn net.Conn) {
	defer conn.Close()
	var job []byte
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		data := buf[:n]
		for len(data) >= 3 && data[0] == 0x10 && data[1] == 0x04 {
			conn.Write([]byte{p.reply(data[2])})
			data = data[3:]
		}
		job = append(job, data...)
		if err != nil {
			break
		}
	}
	if len(job) > 0 {
		p.mu.Lock()
		p.jobs = append(p.jobs, job)
		p.mu.Unlock()
	}
}

func (p *fakePrinter) reply(n byte) byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == 4 && p.paperOut {
		return 0x12 | 0x60
	}
	return 0x12
}

func TestQRCodeDecodesToTheDocumentURL(t *testing.T) {
	f := newFixture(t)
	var id int64
	var code string
	f.db.QueryRow(`SELECT id, code FROM public_documents ORDER BY id LIMIT 1`).Scan(&id, &code)
	st, body := f.do("GET", "/api/v1/documents/"+strconv.FormatInt(id, 10)+"/qr.png", "", "")
	if st != 200 {
		t.Fatalf("qr.png = %d", st)
	}
	png := filepath.Join(t.TempDir(), "qr.png")
	os.WriteFile(png, []byte(body), 0o644)
	out, err := exec.Command("zbarimg", "-q", "--raw", png).Output()
	if err != nil {
		t.Fatalf("zbarimg (Debian zbar-tools, installed by make test): %v", err)
	}
	if got, want := strings.TrimSpace(string(out)), "http://kiosk.test/d/"+code; got != want {
		t.Fatalf("QR decodes to %q, want %q", got, want)
	}
	if st, body := f.do("GET", "/api/v1/documents/"+strconv.FormatInt(id, 10)+"/qr.svg", "", ""); st != 200 || !strings.Contains(body, "<svg") {
		t.Fatalf("qr.svg = %d", st)
	}
}

func TestPrintSlipOnTheTerminalPrinter(t *testing.T) {
	printer := newFakePrinter(t)
	f := newFixture(t)
	admin := f.login("admin1")
	_, body := f.do("POST", "/api/v1/staff/terminals", admin, `{"name":"大厅一号机","place_type":"服务大厅","printer_addr":"`+printer.ln.Addr().String()+`","printer_profile":"generic-58"}`)
	var reg struct {
		Token    string             `json:"token"`
		Terminal struct{ ID int64 } `json:"terminal"`
	}
	json.Unmarshal([]byte(body), &reg)
	var docID int64
	var title string
	f.db.QueryRow(`SELECT id, title FROM public_documents WHERE validity = '废止' LIMIT 1`).Scan(&docID, &title)
	path := "/api/v1/terminals/" + strconv.FormatInt(reg.Terminal.ID, 10) + "/print"
	st, body := f.terminalDo("POST", path, reg.Token, `{"document_id":`+strconv.FormatInt(docID, 10)+`}`)
	if st != 200 || !strings.Contains(body, `"status":"done"`) {
		t.Fatalf("print = %d %s", st, body)
	}
	printer.mu.Lock()
	if len(printer.jobs) != 1 || !bytes.Contains(printer.jobs[0], []byte{0x1d, 0x56}) && !bytes.Contains(printer.jobs[0], []byte{0x1b, 0x40}) {
		t.Fatalf("printer got %d jobs", len(printer.jobs))
	}
	printer.paperOut = true
	printer.mu.Unlock()
	st, body = f.terminalDo("POST", path, reg.Token, `{"document_id":`+strconv.FormatInt(docID, 10)+`}`)
	if st != 502 || !strings.Contains(body, "缺纸") {
		t.Fatalf("print without paper = %d %s", st, body)
	}
	_, body = f.terminalDo("GET", "/api/v1/terminals/me", reg.Token, "")
	if !strings.Contains(body, `"can_print":false`) {
		t.Errorf("after paper out the kiosk should hide printing: %s", body)
	}
	var withheld int64
	f.db.Get(&withheld, `SELECT id FROM documents WHERE disclosure = '不予公开' LIMIT 1`)
	if st, _ := f.terminalDo("POST", path, reg.Token, `{"document_id":`+strconv.FormatInt(withheld, 10)+`}`); st != 404 {
		t.Errorf("printing a withheld document = %d, want 404", st)
	}
	if st, _ := f.terminalDo("POST", "/api/v1/terminals/999/print", reg.Token, `{"document_id":1}`); st != 403 {
		t.Errorf("printing on another terminal = %d, want 403", st)
	}
	var failed int
	f.db.Get(&failed, `SELECT count(*) FROM print_jobs WHERE status = 'failed'`)
	if failed != 1 {
		t.Errorf("%d failed jobs recorded, want 1", failed)
	}
}
